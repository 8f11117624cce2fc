"""The frame loop never waits for the voice: with a deliberately slow speaker the largest
gap between frames stays within two frame intervals."""

from __future__ import annotations

import statistics
import time
from itertools import pairwise
from pathlib import Path

from synthetic import Frames, ScriptedEstimator, angles, repeat, sequence

from formcoach.coach import CoachOptions, coach_session
from formcoach.exercises.loader import find_exercise
from formcoach.feedback.speech import SpeechWorker
from formcoach.types import Step

FIXTURES = Path(__file__).parent / "data" / "exercises"
POSE_WORK_S = 0.02  # what the pose model costs per frame, roughly


class SlowSpeaker:
    """Takes half a second per utterance, like a real voice."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def speak(self, text: str) -> None:
        time.sleep(0.5)
        self.said.append(text)


def test_slow_speaker_never_stalls_the_frame_loop() -> None:
    exercise = find_exercise("glute_bridge", FIXTURES)
    assert exercise.reps is not None
    rest = angles(hip=180.0 - (exercise.reps.start - 17.0), knee=90.0)
    top = angles(hip=5.0, knee=85.0, trunk_lean=-20.0)
    bridge = [(0.0, rest), (0.6, top), (0.9, top), (1.5, rest), (1.8, rest)]
    poses = sequence([(0.0, rest), (1.0, rest), *[(t + 1.0, a) for t, a in repeat(bridge, 5)]], posture="supine")
    speaker = SlowSpeaker()
    worker = SpeechWorker(speaker=speaker)
    stamps: list[float] = []
    busy: list[bool] = []

    def on_step(_: Step) -> None:
        stamps.append(time.perf_counter())
        busy.append(worker.busy)

    with worker:
        result = coach_session(
            exercise,
            Frames(len(poses)),
            ScriptedEstimator({i: p for _, i, p in poses}, POSE_WORK_S),
            CoachOptions(),
            on_step=on_step,
            speech=worker,
        )
    assert result.summary.sides["both"].reps == 5
    assert "Five" in speaker.said
    gaps = [b - a for a, b in pairwise(stamps)]
    interval = statistics.median(gaps)
    speaking_gaps = [g for g, speaking in zip(gaps, busy[1:], strict=True) if speaking]
    assert len(speaking_gaps) > 30  # the coach spoke through a good part of the run
    assert max(speaking_gaps) <= 2 * interval, (max(speaking_gaps), interval)
