"""Keeping background threads (video encoding, drawing, speech) out of the pose model's way.

The pose model keeps about one of a laptop's cores busy; everything else must fit around it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

import cv2

BACKGROUND_NICENESS = 19


def yield_cpu_to_the_live_loop() -> None:
    """Lower the calling thread's CPU priority where the OS allows it (Linux: per thread)."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):  # not permitted here: run at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def keep_opencv_single_threaded() -> None:
    """Our OpenCV calls are small (colour conversion, drawing, one JPEG per frame); OpenCV's
    own thread pool would only compete with the pose model for the cores."""
    cv2.setNumThreads(1)
