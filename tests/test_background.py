"""Thread placement: the live loop and the pose model keep their CPUs; background work
goes to the one CPU kept for it, and the loop's placement ends with its block."""

from __future__ import annotations

import os
import threading

import pytest

from formcoach.background import BACKGROUND_CPU, live_loop_cpus, move_off_the_loop_cpus

pytestmark = pytest.mark.skipif(
    BACKGROUND_CPU is None, reason="this OS or machine cannot place threads (needs Linux and 2+ CPUs)"
)


def _cpus_of_a_thread(action: object = None) -> set[int]:
    seen: list[set[int]] = []

    def body() -> None:
        if callable(action):
            action()
        seen.append(os.sched_getaffinity(0))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return seen[0]


def test_the_loop_and_the_threads_it_starts_stay_off_the_background_cpu() -> None:
    before = os.sched_getaffinity(0)
    with live_loop_cpus():
        assert BACKGROUND_CPU not in os.sched_getaffinity(0)
        assert os.sched_getaffinity(0) == before - {BACKGROUND_CPU}
        assert _cpus_of_a_thread() == before - {BACKGROUND_CPU}  # e.g. MediaPipe's graph threads
        assert _cpus_of_a_thread(move_off_the_loop_cpus) == {BACKGROUND_CPU}
    assert os.sched_getaffinity(0) == before


def test_background_threads_go_to_their_cpu_outside_a_live_loop_too() -> None:
    assert _cpus_of_a_thread(move_off_the_loop_cpus) == {BACKGROUND_CPU}
