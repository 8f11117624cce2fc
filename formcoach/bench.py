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

from formcoach.checkers.session import ExerciseSession
from formcoach.coach import CoachOptions, SpeechOptions, coach_session, start_speech
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.overlay import draw_overlay
from formcoach.pipeline import Analyzer, Step, replay
from formcoach.recording.reader import load_recording
from formcoach.sources import VideoFileSource
from formcoach.types import Frame

if TYPE_CHECKING:
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

THROUGHPUT_TARGET = 0.90
SPEECH_GAP_TARGET = 2.0
REANALYSIS_TARGET = 200.0


class OverlaySink:
    """Draws the live overlay (without a window) so its cost is measured like live."""

    stage = "overlay"

    def __init__(self, exercise: ExerciseDef) -> None:
        self.exercise = exercise

    def __call__(self, step: Step) -> None:
        if step.frame is not None:
            draw_overlay(step.frame.image, step.pose, step.metrics, step.update, self.exercise, "Cue text", 30.0, 20.0)


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
class BenchReport:
    frames: int
    clip_s: float
    ms_per_frame: dict[str, float]
    bare_fps: float
    full_fps: float
    throughput_ratio: float
    latency_p50_ms: float
    latency_p95_ms: float
    speech_gap_intervals: float  # largest frame gap while speaking, in median frame intervals
    utterances: int
    reanalysis_x_realtime: float
    peak_rss_mb: float | None

    def verdicts(self) -> dict[str, bool]:
        return {
            f"throughput ratio ≥ {THROUGHPUT_TARGET}": self.throughput_ratio >= THROUGHPUT_TARGET,
            f"frame gap while speaking ≤ {SPEECH_GAP_TARGET:g} intervals": self.speech_gap_intervals
            <= SPEECH_GAP_TARGET,
            f"re-analysis ≥ {REANALYSIS_TARGET:g}× real time": self.reanalysis_x_realtime >= REANALYSIS_TARGET,
        }


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_bench(
    exercise: ExerciseDef,
    video: VideoFileSource,
    make_estimator: Callable[[], MediaPipePoseEstimator],
    max_frames: int,
) -> BenchReport:
    decode_start = time.perf_counter()
    frames = [frame for _, frame in zip(range(max_frames), video, strict=False)]
    decode_s = time.perf_counter() - decode_start
    source = InMemorySource(frames, video)

    with make_estimator() as estimator:
        start = time.perf_counter()
        for frame in frames:
            estimator.estimate(frame)
        bare_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        overlay = OverlaySink(exercise)
        wall: list[float] = []
        speaking: list[bool] = []
        speech = start_speech(SpeechOptions(wav_dir=Path(tmp) / "speech"))
        options = CoachOptions(window=False, record_dir=Path(tmp) / "rec", speech=SpeechOptions(mute=True))

        def on_step(_: Step) -> None:
            wall.append(time.perf_counter())
            speaking.append(speech.busy)

        latencies: list[float] = []

        def record_latency(step: Step) -> None:
            latencies.append(step.latency_s)

        with make_estimator() as estimator:
            start = time.perf_counter()
            result = coach_session(
                exercise,
                source,
                estimator,
                options,
                None,
                on_step,
                extra_sinks=(overlay, record_latency),
                speech=speech,
            )
            full_s = time.perf_counter() - start
        speech.close()
        utterances = sum(1 for _ in (Path(tmp) / "speech").glob("*.wav"))
        assert result.recording is not None
        recording = load_recording(result.recording)
        analyzer = Analyzer(ExerciseSession(exercise))
        start = time.perf_counter()
        for _ in replay(recording.poses, analyzer):
            pass
        replay_s = time.perf_counter() - start

    n = max(1, result.frames)
    clip_s = n / video.fps
    ms = result.times.ms_per_frame()
    stages = {
        "decode": 1000 * decode_s / len(frames),
        "pose": ms.get("pose", 0.0),
        "smoothing + measurements + checker": ms.get("analysis", 0.0),
        "overlay": ms.get("overlay", 0.0),
        "speech policy": ms.get("speech", 0.0),
        "recording": ms.get("recording", 0.0),
        "summary log": ms.get("summary", 0.0),
    }
    gaps = [b - a for a, b in itertools.pairwise(wall)]
    interval = statistics.median(gaps) if gaps else 0.0
    speech_gaps = [g for g, busy in zip(gaps, speaking[1:], strict=False) if busy]
    sorted_latency = sorted(latencies) or [0.0]
    return BenchReport(
        frames=n,
        clip_s=clip_s,
        ms_per_frame=stages,
        bare_fps=len(frames) / bare_s,
        full_fps=n / full_s,
        throughput_ratio=(n / full_s) / (len(frames) / bare_s),
        latency_p50_ms=1000 * sorted_latency[len(sorted_latency) // 2],
        latency_p95_ms=1000 * sorted_latency[min(len(sorted_latency) - 1, int(0.95 * len(sorted_latency)))],
        speech_gap_intervals=max(speech_gaps) / interval if speech_gaps and interval else 0.0,
        utterances=utterances,
        reanalysis_x_realtime=clip_s / replay_s if replay_s > 0 else float("inf"),
        peak_rss_mb=_peak_rss_mb(),
    )
