"""Fixtures for the end-to-end tests. The helpers that run the `hpc` command live in command.py.

The moto deployment (fixtures `aws` and `stack`, `deploy_to_moto`) lives in tests/execution/moto_stack.py and is
made available here, so these tests run the very definition and handlers the moto execution tests run.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXECUTION_TESTS = Path(__file__).resolve().parents[1] / "execution"
if str(EXECUTION_TESTS) not in sys.path:
    sys.path.append(str(EXECUTION_TESTS))

from moto_stack import aws, stack  # noqa: E402, F401 - fixtures, re-exported for the tests here
