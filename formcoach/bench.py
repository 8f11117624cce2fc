"""`formcoach bench`: speed and memory of the whole coach on one clip, measured in one run.

Every figure is a ratio or a per-frame time from the same run on the same frames, so the
verdicts hold on any machine: the full pipeline against the bare landmarker, frame gaps
while the coach speaks against the frame interval, re-analysis against real time.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcoach.background import live_loop_cpus
from formcoach.coach import CoachOptions, SessionResult, SpeechOptions, coach_session, start_speech
from formcoach.errors import FormcoachError
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.state import ScreenTrack
from formcoach.feedback.window import OverlayWorker
from formcoach.recording.reader import load_recording
from formcoach.runner import reanalyse
from formcoach.sources import VideoFileSource
from formcoach.types import Frame, Step

if TYPE_CHECKING:
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

THROUGHPUT_TARGET = 0.90
SPEECH_GAP_TARGET = 2.0
REANALYSIS_TARGET = 200.0


class OverlaySink:
    """The window's drawing without a window: the same worker thread, so its cost (and its
    competition with the pose model for the CPU) is measured as live."""

    stage = "overlay"

    def __init__(self, exercise: ExerciseDef) -> None:
        self.worker = OverlayWorker(exercise)
        self.track = ScreenTrack(exercise)

    def __call__(self, step: Step) -> None:
        self.worker.submit(step, self.track(step, ""))
        self.worker.take()


class InMemorySource:
    """Frames decoded ahead of time, so decoding is timed once and apart from the rest."""

    def __init__(self, frames: list[Frame], like: VideoFileSource) -> None:
        self.frames = frames
        self.fps, self.size, self.name = like.fps, like.size, like.name
        self.frame_count: int | None = len(frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class RunFigures:
    """The figures of one bare run and one full run on the same frames."""

    bare_fps: float
    full_fps: float
    latency_p50_ms: float
    latency_p95_ms: float
    speech_gap_intervals: float  # largest frame gap while speaking, in median frame intervals
    utterances: int
    reanalysis_x_realtime: float

    @property
    def throughput_ratio(self) -> float:
        return self.full_fps / self.bare_fps


@dataclass(frozen=True)
class BenchReport:
    frames: int
    clip_s: float
    ms_per_frame: dict[str, float]  # of the slowest full run
    runs: tuple[RunFigures, ...]
    peak_rss_mb: float | None
    clip_in_memory_mb: float  # the decoded frames the benchmark holds, part of the peak

    @property
    def worst(self) -> RunFigures:
        """Each figure at its worst over the runs: the verdicts must hold on a bad run too."""
        return RunFigures(
            bare_fps=min(run.bare_fps for run in self.runs),
            full_fps=min(run.full_fps for run in self.runs),
            latency_p50_ms=max(run.latency_p50_ms for run in self.runs),
            latency_p95_ms=max(run.latency_p95_ms for run in self.runs),
            speech_gap_intervals=max(run.speech_gap_intervals for run in self.runs),
            utterances=min(run.utterances for run in self.runs),
            reanalysis_x_realtime=min(run.reanalysis_x_realtime for run in self.runs),
        )

    @property
    def worst_throughput_ratio(self) -> float:
        """The lowest ratio of a run's own pair (not the slowest full over the fastest bare)."""
        return min(run.throughput_ratio for run in self.runs)

    @property
    def coach_rss_mb(self) -> float | None:
        """The peak without the benchmark's decoded clip: what a live session needs."""
        return None if self.peak_rss_mb is None else self.peak_rss_mb - self.clip_in_memory_mb

    def verdicts(self) -> dict[str, bool]:
        worst = self.worst
        return {
            f"throughput ratio ≥ {THROUGHPUT_TARGET}": self.worst_throughput_ratio >= THROUGHPUT_TARGET,
            f"frame gap while speaking ≤ {SPEECH_GAP_TARGET:g} intervals": worst.speech_gap_intervals
            <= SPEECH_GAP_TARGET,
            f"re-analysis ≥ {REANALYSIS_TARGET:g}× real time": worst.reanalysis_x_realtime >= REANALYSIS_TARGET,
        }


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class _FullRun:
    seconds: float
    result: SessionResult
    wall: list[float]
    speaking: list[bool]
    latencies: list[float]
    utterances: int
    replay_s: float


def _bare_run(frames: list[Frame], make_estimator: Callable[[], MediaPipePoseEstimator]) -> float:
    with make_estimator() as estimator:
        estimator.estimate(frames[0])  # the graph's first frame is slow everywhere: not our cost
        start = time.perf_counter()
        for frame in frames:
            estimator.estimate(frame)
        return time.perf_counter() - start


def _full_run(
    exercise: ExerciseDef, source: InMemorySource, make_estimator: Callable[[], MediaPipePoseEstimator]
) -> _FullRun:
    """Everything live does: pose, analysis, overlay (drawn on its thread), speech rendered to
    WAV, recording with video; then re-analysis of that recording."""
    with tempfile.TemporaryDirectory() as tmp:
        overlay = OverlaySink(exercise)
        wall: list[float] = []
        speaking: list[bool] = []
        latencies: list[float] = []
        speech = start_speech(SpeechOptions(wav_dir=Path(tmp) / "speech"))
        options = CoachOptions(window=False, record_dir=Path(tmp) / "rec", speech=SpeechOptions(mute=True))

        def on_step(step: Step) -> None:
            wall.append(time.perf_counter())
            speaking.append(speech.busy)
            latencies.append(step.latency_s)

        with make_estimator() as estimator:
            estimator.estimate(source.frames[0])
            start = time.perf_counter()
            result = coach_session(
                exercise, source, estimator, options, None, on_step, extra_sinks=(overlay,), speech=speech
            )
            seconds = time.perf_counter() - start
        overlay.worker.close()
        speech.close()
        utterances = sum(1 for _ in (Path(tmp) / "speech").glob("*.wav"))
        assert result.recording is not None
        recording = load_recording(result.recording)
        start = time.perf_counter()
        reanalyse(recording.poses, exercise)
        replay_s = time.perf_counter() - start
    return _FullRun(seconds, result, wall, speaking, latencies, utterances, replay_s)


def _figures(full: _FullRun, frames: int, bare_s: float, fps: float) -> RunFigures:
    n = max(1, full.result.frames)
    gaps = [b - a for a, b in itertools.pairwise(full.wall)]
    interval = statistics.median(gaps) if gaps else 0.0
    speech_gaps = [g for g, busy in zip(gaps, full.speaking[1:], strict=False) if busy]
    latency = sorted(full.latencies) or [0.0]
    return RunFigures(
        bare_fps=frames / bare_s,
        full_fps=n / full.seconds,
        latency_p50_ms=1000 * latency[len(latency) // 2],
        latency_p95_ms=1000 * latency[min(len(latency) - 1, int(0.95 * len(latency)))],
        speech_gap_intervals=max(speech_gaps) / interval if speech_gaps and interval else 0.0,
        utterances=full.utterances,
        reanalysis_x_realtime=(n / fps) / full.replay_s if full.replay_s > 0 else float("inf"),
    )


def run_bench(
    exercise: ExerciseDef,
    video: VideoFileSource,
    make_estimator: Callable[[], MediaPipePoseEstimator],
    max_frames: int,
    repeats: int = 5,
) -> BenchReport:
    """Bare and full runs alternate ``repeats`` times; every figure is reported at its worst
    over the runs (a benchmark's best run hides the stalls a user meets)."""
    decode_start = time.perf_counter()
    frames = [frame for _, frame in zip(range(max_frames), video, strict=False)]
    decode_s = time.perf_counter() - decode_start
    if not frames:
        raise FormcoachError(f"{video.name} has no frames to benchmark")
    source = InMemorySource(frames, video)
    runs: list[RunFigures] = []
    slowest: _FullRun | None = None
    with live_loop_cpus():  # both runs placed as `formcoach coach` places its loop
        for _ in range(repeats):
            bare_s = _bare_run(frames, make_estimator)
            full = _full_run(exercise, source, make_estimator)
            runs.append(_figures(full, len(frames), bare_s, video.fps))
            if slowest is None or full.seconds > slowest.seconds:
                slowest = full
    assert slowest is not None
    ms = slowest.result.times.ms_per_frame()
    stages = {
        "decode": 1000 * decode_s / len(frames),
        "pose": ms.get("pose", 0.0),
        "smoothing + measurements + checker": ms.get("analysis", 0.0),
        "overlay": ms.get("overlay", 0.0),
        "speech policy": ms.get("speech", 0.0),
        "recording": ms.get("recording", 0.0),
        "summary log": ms.get("summary", 0.0),
    }
    n = max(1, slowest.result.frames)
    return BenchReport(
        frames=n,
        clip_s=n / video.fps,
        ms_per_frame=stages,
        runs=tuple(runs),
        peak_rss_mb=peak_rss_mb(),
        clip_in_memory_mb=sum(frame.image.nbytes for frame in frames) / (1024 * 1024),
    )
