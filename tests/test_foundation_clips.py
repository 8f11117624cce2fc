"""End to end on real footage: detection, and the knee-flexion curve of a squat clip."""

from __future__ import annotations

import numpy as np
import pytest
from footage import CLIPS, clip_label, require

from formcoach.measurements import measure
from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
from formcoach.pose.models import resolve_model
from formcoach.smoothing import PoseSmoother
from formcoach.sources import VideoFileSource

pytestmark = [pytest.mark.clips, pytest.mark.slow]


def knee_flexion_series(file: str) -> tuple[np.ndarray, float]:
    """Per-frame knee flexion (the leg the camera sees best) and the detection rate."""
    source = VideoFileSource(require(CLIPS / file))
    smoother = PoseSmoother()
    values, detected = [], 0
    with source, MediaPipePoseEstimator(resolve_model("full")) as estimator:
        for frame in source:
            raw = estimator.estimate(frame)
            detected += raw is not None
            values.append(measure(smoother(raw, frame.t), ("knee_flexion",), frame.t, frame.index).get("knee_flexion"))
    return np.array(values), detected / len(values)


def count_deep_bends(series: np.ndarray, deep: float, shallow: float) -> int:
    """Bends past ``deep`` separated by returns above ``shallow`` (hysteresis)."""
    bends, down = 0, False
    for value in series[np.isfinite(series)]:
        if not down and value >= deep:
            bends, down = bends + 1, True
        elif down and value <= shallow:
            down = False
    return bends


@pytest.mark.parametrize("file", ["squat__aitrainer.mp4", "squat__posturecoach.mp4", "glute_bridge__darebee.mp4"])
def test_person_detected_in_nearly_every_frame_of_side_view_clips(file: str) -> None:
    _, rate = knee_flexion_series(file)
    assert rate >= 0.95


def test_squat_knee_curve_shows_the_labelled_deep_bends() -> None:
    file = "squat__aitrainer.mp4"
    series, _ = knee_flexion_series(file)
    label = clip_label(CLIPS, file)
    assert count_deep_bends(series, deep=100, shallow=40) == label["reps"]
    # The bottom of a full squat bends the knee well past a right angle; standing is near straight.
    assert np.nanmax(series) > 120
    assert np.nanmin(series) < 20
