"""The one path every run takes: frames → pose → smoothing → measurements → checker → sinks.

A live camera, a video file, a replay of recorded poses and the tests all go through
``Analyzer``; only where the poses come from differs. Stage timings are collected for
``formcoach bench`` and never steer anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from formcoach.checkers.session import ExerciseSession
from formcoach.measurements import measure
from formcoach.pose import PoseEstimator
from formcoach.smoothing import PoseSmoother
from formcoach.types import CheckerUpdate, Frame, Metrics, Pose, Sink, StageTimes, Step


class Measurer:
    """Smoothing → measurements: the named measurements of each frame's pose."""

    def __init__(self, metric_names: tuple[str, ...], smoother: PoseSmoother | None = None) -> None:
        self.smoother = smoother or PoseSmoother()
        self.metric_names = metric_names
        self.front_side = ""  # kept through frames without a pose: the legs keep their roles

    def __call__(self, t: float, frame_index: int, raw_pose: Pose | None) -> tuple[Pose | None, Metrics]:
        pose = self.smoother(raw_pose, t)
        metrics = measure(pose, self.metric_names, t, frame_index, self.front_side)
        self.front_side = metrics.front_side or self.front_side
        return pose, metrics


class Analyzer:
    """Smoothing → measurements → checker, for one exercise session."""

    def __init__(self, session: ExerciseSession, smoother: PoseSmoother | None = None) -> None:
        self.session = session
        self.measurer = Measurer(session.metric_names(), smoother)

    def __call__(self, t: float, frame_index: int, raw_pose: Pose | None) -> tuple[Pose | None, Metrics, CheckerUpdate]:
        pose, metrics = self.measurer(t, frame_index, raw_pose)
        return pose, metrics, self.session.update(metrics)


def run(
    frames: Iterable[Frame],
    estimator: PoseEstimator,
    analyzer: Analyzer,
    sinks: Iterable[Sink] = (),
    times: StageTimes | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Step]:
    """Drive frames through every stage; yields each ``Step`` after the sinks saw it."""
    sinks = list(sinks)
    times = times if times is not None else StageTimes()
    clock = time.perf_counter
    iterator = iter(frames)
    while not stop():
        started = clock()
        frame = next(iterator, None)
        if frame is None:
            return
        decoded = clock()
        raw = estimator.estimate(frame)
        estimated = clock()
        pose, metrics, update = analyzer(frame.t, frame.index, raw)
        analysed = clock()
        step = Step(frame, raw, pose, metrics, update, analysed - started)
        for sink in sinks:
            sink_start = clock()
            sink(step)
            times.add(getattr(sink, "stage", type(sink).__name__), clock() - sink_start)
        times.add("decode", decoded - started)
        times.add("pose", estimated - decoded)
        times.add("analysis", analysed - estimated)
        times.frames += 1
        yield step
        if update.finished:
            return


def replay(
    poses: Iterable[tuple[float, int, Pose | None]], analyzer: Analyzer, sinks: Iterable[Sink] = ()
) -> Iterator[Step]:
    """Re-run smoothing → checker on recorded poses: no model, no camera."""
    sinks = list(sinks)
    for t, frame_index, raw in poses:
        pose, metrics, update = analyzer(t, frame_index, raw)
        step = Step(None, raw, pose, metrics, update)
        for sink in sinks:
            sink(step)
        yield step
        if update.finished:
            return
