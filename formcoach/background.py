"""Keeping background threads (video encoding, drawing, speech) out of the pose model's way.

The pose model keeps about one of a laptop's cores busy; everything else must fit around it.
Where the OS lets a program place its threads (Linux), the live loop and the model run on
every CPU but one and the background threads on that one: measured on two cores, letting
the scheduler mix them cost the model 1–2 ms a frame (threads bounced between the cores),
placing them cost it 0.1–0.5 ms. Elsewhere the threads only lower their priority.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

import cv2

BACKGROUND_NICENESS = 19


def _background_cpu() -> int | None:
    """The CPU background threads are kept on; None where threads cannot be placed."""
    if not hasattr(os, "sched_getaffinity"):  # macOS, Windows
        return None
    cpus = os.sched_getaffinity(0)  # read at import, before any thread has been placed
    return max(cpus) if len(cpus) >= 2 else None


BACKGROUND_CPU = _background_cpu()


def _place_this_thread(cpus: set[int]) -> None:
    with contextlib.suppress(OSError):  # not permitted (a container's cpuset): leave it to the OS
        os.sched_setaffinity(0, cpus)  # 0: the calling thread


def move_off_the_loop_cpus() -> None:
    """Run the calling background thread on the CPU kept for background work."""
    if BACKGROUND_CPU is not None:
        _place_this_thread({BACKGROUND_CPU})


def yield_cpu_to_the_live_loop() -> None:
    """Move the calling thread off the loop's CPUs and lower its priority where the OS allows
    it (Linux: per thread), for work that can wait: drawing, video encoding."""
    move_off_the_loop_cpus()
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):  # not permitted here: run at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


@contextlib.contextmanager
def live_loop_cpus() -> Iterator[None]:
    """Keep the calling thread, and every thread it starts meanwhile (the pose model's),
    off the background CPU for the duration of the block."""
    if BACKGROUND_CPU is None:
        yield
        return
    cpus = os.sched_getaffinity(0)
    _place_this_thread(cpus - {BACKGROUND_CPU} or cpus)
    try:
        yield
    finally:
        _place_this_thread(cpus)


def keep_opencv_single_threaded() -> None:
    """Our OpenCV calls are small (colour conversion, drawing, one JPEG per frame); OpenCV's
    own thread pool would only compete with the pose model for the cores."""
    cv2.setNumThreads(1)
