"""A routine runs its exercises in turn on one frame stream: spoken transitions, rests timed
on the frames, and in a window a rest screen whose keys end the rest or stop the routine."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from synthetic import Frames, ScriptedEstimator, angles, concat, repeat, sequence

import formcoach.coach as coach_module
import formcoach.feedback.window as window_module
from formcoach.coach import CoachOptions, coach_routine
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.routines import Routine, RoutineStep
from formcoach.feedback.speech import SpeechWorker
from formcoach.safety import WARM_UP
from formcoach.types import Step

FIXTURES = Path(__file__).parent / "data" / "exercises"
REST_S = 2.0
FPS = 30.0


class Transcript:
    """An instant speaker that keeps what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def speak(self, text: str) -> None:
        self.said.append(text)


def bridge_routine() -> Routine:
    exercise = find_exercise("glute_bridge", FIXTURES)
    assert exercise.reps is not None
    two = replace(exercise, reps=replace(exercise.reps, target=2, sets=1))
    steps = (RoutineStep(two, REST_S), RoutineStep(two, REST_S), RoutineStep(two, 0.0))
    return Routine("bridges", "Bridges", (), "", steps)


def bridge_footage() -> dict[int, object]:
    """Three blocks of two bridges, 4.4 s of lying still before each: time for the previous
    exercise to finish, the rest, and the next one's setup."""
    exercise = find_exercise("glute_bridge", FIXTURES)
    assert exercise.reps is not None
    down = angles(hip=180.0 - (exercise.reps.start - 17.0), knee=90.0)
    top = angles(hip=5.0, knee=85.0, trunk_lean=-20.0)
    bridge = [(0.0, down), (0.6, top), (0.9, top), (1.5, down), (1.8, down)]
    still = [(0.0, down), (4.4, down)]
    keyframes = concat([(0.0, down), (1.0, down)], *(part for _ in range(3) for part in (repeat(bridge, 2), still)))
    return {i: pose for _, i, pose in sequence(keyframes, posture="supine")}


def run_routine(
    monkeypatch: pytest.MonkeyPatch, window: bool, until_s: float | None = None
) -> tuple[coach_module.RoutineResult, list[float], list[str]]:
    transcript = Transcript()
    monkeypatch.setattr(coach_module, "start_speech", lambda _options: SpeechWorker(speaker=transcript))
    poses = bridge_footage()
    times: list[float] = []

    def on_step(step: Step) -> None:
        times.append(step.update.t)

    frames = Frames(len(poses) if until_s is None else round(until_s * FPS))
    result = coach_routine(
        bridge_routine(), frames, ScriptedEstimator(poses), CoachOptions(window=window), on_step=on_step
    )
    return result, times, transcript.said


def rests_taken(times: list[float]) -> list[float]:
    """The spans of stream time no exercise analysed: the rests."""
    return [b - a for a, b in pairwise(times) if b - a > 1.5 / FPS]


def test_exercises_run_in_turn_with_rests_timed_on_the_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    result, times, said = run_routine(monkeypatch, window=False)
    assert [s.sides["both"].reps for s in result.summaries] == [2, 2, 2]
    assert not result.quit
    assert rests_taken(times) == pytest.approx([REST_S, REST_S], abs=1.5 / FPS)
    transitions = [text for text in said if text.startswith(("Bridges", "Rest", "Next"))]
    assert transitions == [
        f"Bridges. {WARM_UP} First: Glute bridge. " + bridge_routine().steps[0].exercise.placement,
        f"Rest for {REST_S:g} seconds.",
        "Next: Glute bridge. " + bridge_routine().steps[1].exercise.placement,
        f"Rest for {REST_S:g} seconds.",
        "Next: Glute bridge. " + bridge_routine().steps[2].exercise.placement,
        "Bridges done. Well done.",
    ]


def test_a_routine_cut_short_says_what_was_done_and_what_was_not(monkeypatch: pytest.MonkeyPatch) -> None:
    # The video ends during the second exercise (its reps run from ~9 s to ~12.6 s).
    result, _, said = run_routine(monkeypatch, window=False, until_s=10.0)
    assert [s.sides["both"].reps for s in result.summaries] == [2, 0]
    closing = "Bridges stopped. Done: Glute bridge. Not finished: Glute bridge. Not started: Glute bridge."
    assert said[-1] == result.progress.closing("Bridges") == closing
    assert not any("Well done" in text for text in said)
    assert (len(result.progress.done), len(result.progress.unfinished), len(result.progress.not_started)) == (1, 1, 1)


class FakeScreen:
    """cv2's window calls, scripted: ``key`` is pressed on the third frame of every rest
    (and never while an exercise runs)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.rest_frames: list[float] = []  # seconds left on each rest frame drawn
        self._just_drawn = False

    def draw_rest(self, image: object, seconds_left: float, next_name: str) -> object:
        assert next_name == "Glute bridge"
        self.rest_frames.append(seconds_left)
        self._just_drawn = True
        return image

    def wait_key(self, _delay: int) -> int:
        pressed = self._just_drawn and len(self.rest_frames) % 3 == 0
        self._just_drawn = False
        return ord(self.key) if pressed else 0xFF


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> FakeScreen:
    fake = FakeScreen(request.param)
    monkeypatch.setattr(window_module, "draw_rest", fake.draw_rest)
    for name in ("namedWindow", "resizeWindow", "moveWindow", "imshow", "destroyWindow"):
        monkeypatch.setattr(window_module.cv2, name, lambda *_args: None)
    monkeypatch.setattr(window_module.cv2, "waitKey", fake.wait_key)
    return fake


@pytest.mark.parametrize("screen", ["n"], indirect=True)
def test_in_a_window_the_rest_is_shown_counting_down_and_n_ends_it(
    monkeypatch: pytest.MonkeyPatch, screen: FakeScreen
) -> None:
    result, times, _ = run_routine(monkeypatch, window=True)
    assert [s.sides["both"].reps for s in result.summaries] == [2, 2, 2]
    assert screen.rest_frames[:3] == pytest.approx([REST_S - i / FPS for i in range(1, 4)], abs=1.5 / FPS)
    assert rests_taken(times) == pytest.approx([3 / FPS, 3 / FPS], abs=1.5 / FPS)


@pytest.mark.parametrize("screen", ["q"], indirect=True)
def test_q_during_a_rest_stops_the_routine(monkeypatch: pytest.MonkeyPatch, screen: FakeScreen) -> None:
    result, _, said = run_routine(monkeypatch, window=True)
    assert len(screen.rest_frames) == 3  # q on the rest's third frame
    assert result.quit
    assert [s.sides["both"].reps for s in result.summaries] == [2]
    assert not any(text.startswith("Next") for text in said)
