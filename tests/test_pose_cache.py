"""The eval's pose cache: poses written once, read back exactly, and served by frame index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from synthetic import Angles, make_pose

from formcoach.evaluation.pose_cache import CachedPoseEstimator, cache_path, cached_frames, read_cache, write_cache


def test_poses_round_trip_and_are_served_by_frame(tmp_path: Path) -> None:
    poses = [(i / 30, i, make_pose(Angles(left_knee=10.0 * i), t=i / 30, frame_index=i).quantized()) for i in range(3)]
    poses.append((3 / 30, 3, None))  # nobody in frame
    path = tmp_path / "clip.abc.poses.jsonl"
    write_cache(path, iter(poses), 30.0)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left behind
    fps, back = read_cache(path)
    assert fps == 30.0 and [(t, i) for t, i, _ in back] == [(t, i) for t, i, _ in poses]
    estimator = CachedPoseEstimator(back)
    frames = list(cached_frames(back))
    served = [estimator.estimate(frame) for frame in frames]
    assert served[3] is None
    for (_, _, original), got in zip(poses[:3], served[:3], strict=True):
        assert original is not None and got is not None
        np.testing.assert_array_equal(got.xy, original.xy)
        assert got.world is not None and original.world is not None
        np.testing.assert_array_equal(got.world, original.world)


def test_a_changed_clip_or_model_gets_its_own_entry(tmp_path: Path) -> None:
    clip, model = tmp_path / "clip.mp4", tmp_path / "model.task"
    clip.write_bytes(b"frames")
    model.write_bytes(b"weights")
    first = cache_path(clip, model, tmp_path / "cache")
    clip.write_bytes(b"other frames")
    assert cache_path(clip, model, tmp_path / "cache") != first
