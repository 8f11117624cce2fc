"""Where the camera stands relative to the body: a continuous estimate, every frame.

MediaPipe's world landmarks are metric, centred between the hips and oriented like the
camera (x right, y down, z away from the lens: measured on rendered bodies with known
cameras). So the direction from the body to the camera is (0, 0, -1) in that frame, and
expressing it in the body's own axes (head, front, right) tells where the camera stands:

* ``azimuth`` around the body's vertical axis: 0° in front of an upright (or side-lying)
  body, at the feet of a body lying on its back or front; +90° at the body's right side
  (for a side-lying body: at the head end); ±180° behind (at the head).
* ``elevation`` above (+) or below (−) the body's horizontal plane.

Checked against rendered bodies with known cameras (``../shared/renders-wide``, median of
each clip's estimate): upright bodies median error 6.7° (24 clips, worst 20.5°), lying on the
back 2.8° (12 clips; one feet-end view with the hips merged is 137° off), lying on the side
30–75° off (4 clips): there the azimuth is not judged (``azimuth_known``). The posture
(upright, lying on the back, front or side) decides which body axis is vertical: the one
nearest the camera's "up".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from formcoach import geometry as g
from formcoach.landmarks import Landmark
from formcoach.types import FloatArray

TOWARD_CAMERA = np.array([0.0, 0.0, -1.0])
CAMERA_UP = np.array([0.0, -1.0, 0.0])
UPRIGHT_MIN_COS = 0.5  # trunk within 60° of vertical: upright (standing, kneeling, sitting)


class Posture(StrEnum):
    UPRIGHT = "upright"
    ON_BACK = "on_back"
    ON_FRONT = "on_front"
    ON_SIDE = "on_side"


@dataclass(frozen=True)
class BodyAxes:
    """Unit vectors of the body in world coordinates."""

    head: FloatArray  # mid-hip → mid-shoulder
    right: FloatArray  # toward the body's right side, across the trunk
    front: FloatArray  # where the chest faces


@dataclass(frozen=True)
class CameraView:
    posture: Posture
    azimuth_deg: float
    elevation_deg: float

    @property
    def azimuth_known(self) -> bool:
        """Whether the azimuth can be trusted for placement (not for a side-lying body,
        whose front and head axes the landmarker gives poorly: 30–75° off on renders)."""
        return self.posture is not Posture.ON_SIDE


def _unit(v: FloatArray) -> FloatArray | None:
    n = g.norm(v)
    return v / n if n > 1e-9 and math.isfinite(n) else None


def body_axes(world: FloatArray) -> BodyAxes | None:
    """The body's axes from shoulders, hips and nose (None when they are not all known).

    Left and right come from both the hip and the shoulder line (either alone wobbles);
    the front is checked against the nose, which sits in front of the shoulders in every
    posture, so a left/right swap by the landmarker cannot turn the body round.
    """
    lm = Landmark
    mid_hip = (world[lm.LEFT_HIP] + world[lm.RIGHT_HIP]) / 2
    mid_shoulder = (world[lm.LEFT_SHOULDER] + world[lm.RIGHT_SHOULDER]) / 2
    head = _unit(mid_shoulder - mid_hip)
    if head is None:
        return None
    across = (world[lm.RIGHT_HIP] - world[lm.LEFT_HIP]) + (world[lm.RIGHT_SHOULDER] - world[lm.LEFT_SHOULDER])
    right = _unit(across - head * float(np.dot(across, head)))
    if right is None:
        return None
    front = g.cross(head, right)
    nose = world[lm.NOSE] - mid_shoulder
    if float(np.dot(nose, front)) < 0:  # the landmarker swapped left and right
        front, right = -front, -right
    return BodyAxes(head, right, front)


def camera_view(world: FloatArray) -> CameraView | None:
    """Where the camera stands, from one frame's world landmarks (None when not judgeable)."""
    axes = body_axes(world)
    if axes is None:
        return None
    up_head = float(np.dot(axes.head, CAMERA_UP))
    up_front = float(np.dot(axes.front, CAMERA_UP))
    up_right = float(np.dot(axes.right, CAMERA_UP))
    if abs(up_head) >= UPRIGHT_MIN_COS:
        posture, heading, rightward, vertical = Posture.UPRIGHT, axes.front, axes.right, axes.head
    elif abs(up_front) >= abs(up_right):
        posture = Posture.ON_BACK if up_front > 0 else Posture.ON_FRONT
        heading, rightward, vertical = -axes.head, axes.right, axes.front * math.copysign(1.0, up_front)
    else:
        posture, heading, rightward = Posture.ON_SIDE, axes.front, axes.head
        vertical = axes.right * math.copysign(1.0, up_right)
    c = TOWARD_CAMERA
    azimuth = math.degrees(math.atan2(float(np.dot(c, rightward)), float(np.dot(c, heading))))
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, float(np.dot(c, vertical))))))
    return CameraView(posture, azimuth, elevation)


def wrap_deg(angle: float) -> float:
    """An angle in (-180, 180]."""
    wrapped = (angle + 180.0) % 360.0 - 180.0
    return 180.0 if wrapped == -180.0 else wrapped


def offset_from(azimuth: float, canonical: tuple[float, ...]) -> float:
    """Signed offset of ``azimuth`` from the nearest of the ``canonical`` azimuths."""
    return min((wrap_deg(azimuth - c) for c in canonical), key=abs)
