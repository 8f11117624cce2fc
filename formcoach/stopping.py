"""Stopping a session cleanly on a signal: Ctrl-C (once or twice), SIGTERM, SIGHUP.

Python's defaults end the process mid-frame (SIGTERM, SIGHUP: no summary, video lost) or
raise KeyboardInterrupt wherever the main thread is, even inside the cleanup a first Ctrl-C
started (a second one aborted the process). Here a signal only asks the frame loop to stop
after the current frame; the session then ends as if the user had pressed q.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# SIGHUP (the terminal closed) does not exist on Windows.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopRequest:
    """Set by the first stop signal; later ones change nothing (the stop is under way)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        # The stop is under way: further signals are ignored, also while the interpreter shuts
        # down (it puts a Python handler back to the default there, and a second Ctrl-C then
        # killed the process with -2 instead of its exit code 130; an ignored one it leaves).
        for other in STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by the signal: 130 for Ctrl-C, 143 SIGTERM."""
        return 128 + (self.signum or 0)


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Within the block, the stop signals set the returned request instead of ending the process."""
    request = StopRequest()
    previous = {signum: signal.signal(signum, request._handle) for signum in STOP_SIGNALS}
    try:
        yield request
    finally:
        if not request():  # once stopping, the process is on its way out, ignoring the rest
            for signum, handler in previous.items():
                signal.signal(signum, handler)
