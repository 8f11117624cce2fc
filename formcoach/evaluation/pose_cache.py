"""Poses estimated once per clip and model, kept on disk and reused by later evals.

The pose model is nearly all of an eval's time; everything after it re-runs in a fraction
of a second per clip. With a cache, re-scoring the library after editing an exercise file
runs the same path after the pose (``coach_session``) on the poses the model gave before.
A cache entry is named by the clip's and the model's checksums, so a changed clip or model
is never served stale poses (eval looks for one person, as the coach does by default).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from formcoach.files import atomic_writer
from formcoach.pose import PoseEstimator
from formcoach.pose.models import sha256_of
from formcoach.recording.format import pose_from_json, pose_to_json
from formcoach.types import Frame, Pose

CACHE_FORMAT = "formcoach-poses"
NO_IMAGE = np.zeros((0, 0, 3), dtype=np.uint8)  # cached frames carry no pixels


def cache_path(video: Path, model_path: Path, cache_dir: Path) -> Path:
    key = f"{sha256_of(video)[:16]}{sha256_of(model_path)[:8]}"
    return cache_dir / f"{video.stem}.{key}.poses.jsonl"


def write_cache(path: Path, poses: Iterator[tuple[float, int, Pose | None]], fps: float) -> None:
    """Write every pose of a clip; the file appears only once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as f:
        f.write(json.dumps({"format": CACHE_FORMAT, "fps": fps}) + "\n")
        for t, index, pose in poses:
            f.write(json.dumps(pose_to_json(t, index, pose)) + "\n")


def read_cache(path: Path) -> tuple[float, list[tuple[float, int, Pose | None]]]:
    """(fps, every frame's pose) of a complete cache file."""
    with path.open(encoding="utf-8") as f:
        header = json.loads(next(f))
        return float(header["fps"]), [pose_from_json(json.loads(line)) for line in f]


class CachedPoseEstimator:
    """An estimator that hands back the poses a model gave for these frames before."""

    def __init__(self, poses: list[tuple[float, int, Pose | None]]) -> None:
        self._poses = {index: pose for _, index, pose in poses}

    def estimate(self, frame: Frame) -> Pose | None:
        return self._poses.get(frame.index)

    def close(self) -> None:
        pass

    def __enter__(self) -> CachedPoseEstimator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def cached_frames(poses: list[tuple[float, int, Pose | None]]) -> Iterator[Frame]:
    """The clip's frames by index and time, without pixels (nothing after the pose reads them)."""
    for t, index, _ in poses:
        yield Frame(index, t, NO_IMAGE)


def estimate_all(frames: Iterator[Frame], estimator: PoseEstimator) -> Iterator[tuple[float, int, Pose | None]]:
    for frame in frames:
        yield frame.t, frame.index, estimator.estimate(frame)
