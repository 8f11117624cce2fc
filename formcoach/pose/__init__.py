"""Pose estimation: the estimator protocol and model files. Only ``mediapipe_estimator``
imports mediapipe."""

from __future__ import annotations

from typing import Protocol

from formcoach.types import Frame, Pose


class PoseEstimator(Protocol):
    """Turns frames into poses (None when nobody is found). Used as a context manager."""

    def estimate(self, frame: Frame) -> Pose | None: ...

    def close(self) -> None: ...
