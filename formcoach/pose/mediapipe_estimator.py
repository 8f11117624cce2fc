"""The MediaPipe adapter: the only module that imports mediapipe.

VIDEO running mode on every frame we are handed: synchronous and deterministic, so a live
session, a file run and a test see the same landmarks for the same frames. Timestamps come
from the frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2

# MediaPipe's C++ side logs to descriptor 2 from its own threads, and no environment
# variable quiets version 1.2; `formcoach.logs` routes it to the log file for every command.
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from formcoach.errors import FormcoachError
from formcoach.landmarks import NUM_LANDMARKS
from formcoach.pose.tracking import WATCHING_PEOPLE, PersonTracker
from formcoach.types import Frame, Pose

# MediaPipe ≥ 0.10.3x uploads usage statistics to play.googleapis.com (a DNS query when the
# landmarker closes, then HTTPS; google-ai-edge/mediapipe#6291) and offers no switch to turn
# it off. Its uploader is the libcurl linked into libmediapipe.so, which takes its proxy from
# the environment: a proxy with a scheme curl does not know makes every upload fail before
# any socket is opened. A user's NO_PROXY must not route around it. Set only while a
# landmarker is created and closed, so the rest of the process (`models download` in the
# same process, a test's own server) keeps the user's settings.
_OFFLINE = dict.fromkeys(("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"), "formcoach-offline://")
_BYPASS = ("no_proxy", "NO_PROXY")


@contextmanager
def _offline() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*_OFFLINE, *_BYPASS)}
    os.environ.update(_OFFLINE)
    for name in _BYPASS:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class MediaPipePoseEstimator:
    """``PoseLandmarker`` in VIDEO mode, returning the user's pose (in pixels, metres and
    visibility) among the people in view."""

    def __init__(
        self,
        model_path: Path,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        watch_others: bool = False,
    ) -> None:
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=WATCHING_PEOPLE if watch_others else 1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with _offline():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            raise FormcoachError(f"cannot load pose model {model_path}: {error}") from None
        self._last_ms = -1
        self._tracker = PersonTracker()

    def estimate(self, frame: Frame) -> Pose | None:
        # VIDEO mode needs strictly increasing milliseconds.
        timestamp_ms = max(round(frame.t * 1000), self._last_ms + 1)
        self._last_ms = timestamp_ms
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        result = self._landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), timestamp_ms)
        height, width = frame.image.shape[:2]
        worlds = result.pose_world_landmarks or []
        people = [
            Pose(
                t=frame.t,
                frame_index=frame.index,
                xy=np.array([[lm.x * width, lm.y * height] for lm in landmarks], dtype=np.float64),
                visibility=np.array([lm.visibility or 0.0 for lm in landmarks], dtype=np.float64),
                image_wh=(width, height),
                world=np.array([[lm.x, lm.y, lm.z] for lm in worlds[i]], dtype=np.float64) if i < len(worlds) else None,
            )
            for i, landmarks in enumerate(result.pose_landmarks or [])
            if len(landmarks) == NUM_LANDMARKS
        ]
        pose = self._tracker.pick(people, frame.t)
        return None if pose is None else pose.quantized()

    def close(self) -> None:
        with _offline():
            self._landmarker.close()

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
