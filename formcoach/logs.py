"""Where formcoach's log and the native libraries' chatter go: a log file, not the terminal.

MediaPipe (absl, LiteRT), OpenCV's video backends, ALSA and the `aplay` that pyttsx3's
espeak driver starts write straight to file descriptor 2 from C, some from their own
threads or child processes, and no setting quiets MediaPipe 1.2 (GLOG_minloglevel,
TF_CPP_MIN_LOG_LEVEL and ABSL_MIN_LOG_LEVEL all leave its 5 lines). So the command points
descriptor 2 at the log once, at start, and Python's ``sys.stderr`` (errors, warnings,
progress bars) keeps the terminal on a duplicate of the old descriptor.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import platformdirs

LOG_NAME = "formcoach.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    """The last command's log, in the user's log folder."""
    return platformdirs.user_log_path("formcoach", appauthor=False) / LOG_NAME


def route_output_to_log(path: Path) -> Path | None:
    """Send native output and formcoach's log records to ``path`` (started afresh), and
    warnings also to the terminal as one line each. Returns the log's path, or None when it
    cannot be written (native output is then dropped: the terminal still stays clean)."""
    log_fd, written = _open_log(path)
    sys.stderr.flush()
    terminal = os.dup(2)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    encoding = sys.stderr.encoding
    sys.stderr = os.fdopen(terminal, "w", encoding=encoding, errors="backslashreplace", buffering=1)
    _configure_logging(written)
    return written


def _open_log(path: Path) -> tuple[int, Path | None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600), path
    except OSError:
        return os.open(os.devnull, os.O_WRONLY), None


def _configure_logging(path: Path | None) -> None:
    logger = logging.getLogger("formcoach")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.WARNING)
    terminal.setFormatter(logging.Formatter("warning: %(message)s"))
    logger.addHandler(terminal)
    if path is not None:
        # Appends beside the native writers on descriptor 2 (the file was opened O_APPEND).
        to_file = logging.FileHandler(path, encoding="utf-8")
        to_file.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(to_file)
