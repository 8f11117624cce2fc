"""`formcoach bench --soak MINUTES`: the whole coach on a looped clip for a long while, to
find what a short benchmark cannot: memory that grows and frames that slow down over time.

Sessions follow one another on one frame stream (an exercise ends when its reps or holds
are done) with overlay, speech worker and recording, as a long routine would run them.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcoach.background import live_loop_cpus
from formcoach.bench import OverlaySink, peak_rss_mb
from formcoach.coach import CoachOptions, SpeechOptions, coach_session, start_speech
from formcoach.errors import FormcoachError
from formcoach.exercises.schema import ExerciseDef
from formcoach.sources import VideoFileSource
from formcoach.types import Frame, Step

if TYPE_CHECKING:
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

GROWTH_TARGET_MB = 50.0
WINDOWS = 6  # the run is cut into this many windows (at most 60 s each); the first is warm-up
MAX_WINDOW_S = 60.0


@dataclass(frozen=True)
class SoakWindow:
    end_s: float  # wall time from the start
    rss_mb: float | None  # at the window's end
    frame_ms: float  # mean wall time per frame in the window


@dataclass(frozen=True)
class SoakReport:
    frames: int
    sessions: int
    windows: tuple[SoakWindow, ...]

    @property
    def growth_mb(self) -> float | None:
        """Memory at the end against memory after warm-up (the first window)."""
        first, last = self.windows[0].rss_mb, self.windows[-1].rss_mb
        return None if first is None or last is None else last - first

    @property
    def drift_percent(self) -> float:
        """Per-frame time of the last window against the first after warm-up."""
        first, last = self.windows[min(1, len(self.windows) - 1)].frame_ms, self.windows[-1].frame_ms
        return 100 * (last - first) / first if first else 0.0


def current_rss_mb() -> float | None:
    """Resident memory now (Linux); elsewhere the peak, which still shows growth."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        import resource

        return int(statm.read_text().split()[1]) * resource.getpagesize() / (1024 * 1024)
    return peak_rss_mb()


def _looped(frames: list[Frame], fps: float, until: float) -> Iterator[Frame]:
    """The clip over and over, its time running on, until the wall clock reaches ``until``."""
    for index in itertools.count():
        if time.perf_counter() >= until:
            return
        yield Frame(index, index / fps, frames[index % len(frames)].image)


class _Sampler:
    """Closes a window every ``window_s`` of wall time: memory then, and the mean frame time."""

    def __init__(self, window_s: float) -> None:
        self.start = self._window_start = time.perf_counter()
        self.window_s = window_s
        self.windows: list[SoakWindow] = []
        self._frame_times: list[float] = []
        self._last = self.start

    def __call__(self, _: Step) -> None:
        now = time.perf_counter()
        self._frame_times.append(now - self._last)
        self._last = now
        if now - self._window_start >= self.window_s:
            ms = 1000 * statistics.fmean(self._frame_times)
            self.windows.append(SoakWindow(now - self.start, current_rss_mb(), ms))
            self._window_start, self._frame_times = now, []


def run_soak(
    exercise: ExerciseDef,
    video: VideoFileSource,
    make_estimator: Callable[[], MediaPipePoseEstimator],
    minutes: float,
    max_frames: int,
) -> SoakReport:
    clip = [frame for _, frame in zip(range(max_frames), video, strict=False)]
    if not clip:
        raise FormcoachError(f"{video.name} has no frames to soak on")
    total_s = 60 * minutes
    sampler = _Sampler(min(MAX_WINDOW_S, total_s / WINDOWS))
    frames = _looped(clip, video.fps, time.perf_counter() + total_s)
    overlay = OverlaySink(exercise)
    count = sessions = 0
    with live_loop_cpus(), make_estimator() as estimator, start_speech(SpeechOptions(mute=True)) as speech:
        while True:
            with tempfile.TemporaryDirectory() as tmp:  # each session's recording, then deleted
                options = CoachOptions(record_dir=Path(tmp), speech=SpeechOptions(mute=True))
                result = coach_session(
                    exercise, video, estimator, options, None, sampler, (overlay,), frames=frames, speech=speech
                )
            if result.frames == 0:
                break
            count, sessions = count + result.frames, sessions + 1
    overlay.worker.close()
    if len(sampler.windows) < 2:
        raise FormcoachError(f"the soak ran {count} frames: too few to compare windows; soak longer")
    return SoakReport(count, sessions, tuple(sampler.windows))
