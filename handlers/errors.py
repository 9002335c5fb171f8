"""Named errors the functions raise on purpose.

Lambda reports a raised exception's class name as its errorType, and Step Functions uses that as the task's Error, so
each class name here IS the error name the state machine matches (see asl/definition.py). Messages are read by the
person who started the job: say what was wrong and what to do about it.
"""

from __future__ import annotations


class InvalidInput(Exception):
    """The job or an event is malformed (unknown workload, bad size, unknown field...); fix it and start again."""


class IncompleteResults(Exception):
    """The Map's results do not cover the job (pending, failed, missing or corrupt result files); no total is given."""


class ItemsFailed(Exception):
    """Items failed past the tolerated failure percentage; the message names the first failed items and their errors."""


class TransientError(Exception):
    """A fault worth another attempt (e.g. a flaky dependency); the state machine retries it with backoff."""


class DataChanged(Exception):
    """An object of the job's data changed between the Map's listing and its reading; start the job again."""
