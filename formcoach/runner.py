"""The session runner: the one module that drives the pipeline.

Live and file runs, replays, re-analysis, reports, angle export, eval and bench all come
through here, so everything after the pose takes one path: what a report plots, a replay
shows or eval scores is what the coach decided, never a second derivation of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.schema import BOTH, ExerciseDef
from formcoach.pipeline import Analyzer, Measurer, replay, run
from formcoach.pose import PoseEstimator
from formcoach.recording.reader import Recording
from formcoach.types import Frame, Metrics, Pose, Sink, StageTimes, Step

Poses = Iterable[tuple[float, int, Pose | None]]


def coach_steps(
    frames: Iterable[Frame],
    estimator: PoseEstimator,
    session: ExerciseSession,
    sinks: Iterable[Sink] = (),
    times: StageTimes | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Step]:
    """A live or file run: every frame through pose → smoothing → measurements → ``session`` → sinks."""
    return run(frames, estimator, Analyzer(session), sinks, times, stop)


@dataclass(frozen=True)
class Reanalysis:
    """Recorded (or estimated) poses run again through the checker: its steps, and the
    baselines its relative rules learnt, per side (rule id → the user's own value)."""

    steps: list[Step]
    baselines: dict[str, dict[str, float]]


def reanalyse(
    poses: Poses, exercise: ExerciseDef, sides: tuple[str, ...] | None = None, sinks: Iterable[Sink] = ()
) -> Reanalysis:
    """Poses through smoothing → measurements → checker → ``sinks``, as the live coach ran them."""
    session = ExerciseSession(exercise, sides)
    steps = list(replay(poses, Analyzer(session), sinks))
    return Reanalysis(steps, session.baselines())


def recorded_sides(recording: Recording, exercise: ExerciseDef) -> tuple[str, ...] | None:
    """The sides the live session coached, from its events (None: the exercise's default)."""
    sides = [e.side for e in recording.events if e.side and e.side != BOTH]
    ordered = tuple(dict.fromkeys(sides))
    return ordered if ordered and exercise.sides != (BOTH,) else None


def reanalyse_recording(recording: Recording, exercise: ExerciseDef) -> Reanalysis:
    """A recording's poses re-run through the checker, on the sides its live run coached."""
    return reanalyse(recording.poses, exercise, recorded_sides(recording, exercise))


def measure_frames(
    frames: Iterable[Frame], estimator: PoseEstimator, metric_names: tuple[str, ...]
) -> Iterator[tuple[Frame, Pose | None, Metrics]]:
    """Pose → smoothing → measurements for every frame, no exercise (``formcoach angles``)."""
    measurer = Measurer(metric_names)
    for frame in frames:
        pose, metrics = measurer(frame.t, frame.index, estimator.estimate(frame))
        yield frame, pose, metrics
