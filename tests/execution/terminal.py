"""How a shell in a terminal starts a command, for tests that send it the signals a terminal sends."""

from __future__ import annotations

import signal


def as_from_a_terminal() -> None:
    """A Popen preexec_fn: SIGINT's default action, as a terminal's shell gives a command. A suite started in the
    background (`cmd &` without job control, nohup) inherits SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler, so a Ctrl-C test would not see what a user at a terminal sees."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
