"""Where on the body each measurement is drawn, and the short label it is drawn with.

The registry names a joint for one-sided measurements (``left_knee_flexion`` at the left
knee); the others are placed here: a front/back leg's at that leg's joint for this frame, a
bilateral one at the better-seen leg's joint, a whole-body one between the landmarks it
reads (trunk lean at mid-hip, knee gap between the knees).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcoach.exercises.schema import OTHER_SIDE
from formcoach.landmarks import SIDES, Landmark, sided
from formcoach.measurements import MEASUREMENTS, MIN_VISIBILITY
from formcoach.types import Metrics, Pose

# Whole-body measurements: the body part (both sides' midpoint) they are drawn at.
MIDPOINTS = {
    "trunk_lean": "hip",
    "trunk_side_lean": "hip",
    "pelvis_tilt": "hip",
    "pelvis_rotation": "hip",
    "thigh_angle": "hip",
    "hip_sway_x": "hip",
    "hip_sway_depth": "hip",
    "shoulder_tilt": "shoulder",
    "trunk_sway_x": "shoulder",
    "trunk_sway_y": "shoulder",
    "knee_gap": "knee",
    "knee_height_diff": "knee",
    "knee_height_gap": "knee",
    "both_knees_flexion": "knee",
    "feet_gap": "ankle",
}
# Measurements of one role's leg that the registry does not tie to a side's joint.
ROLE_JOINTS = {"back_knee_clearance": ("back", "knee")}
WORDS = {
    "knee_flexion": "knee",
    "hip_flexion": "hip",
    "knee_hip_shoulder": "hip line",
    "shin_angle": "shin",
    "hip_abduction": "leg out",
    "knee_over_ankle": "knee over ankle",
    "ankle_y": "ankle height",
    "trunk_lean": "trunk",
    "trunk_side_lean": "side lean",
    "pelvis_tilt": "pelvis",
    "pelvis_rotation": "pelvis turn",
    "thigh_angle": "thighs",
    "knee_gap": "knee gap",
    "feet_gap": "feet gap",
    "both_knees_flexion": "knees",
    "back_knee_clearance": "back knee",
}


@dataclass(frozen=True)
class Anchor:
    point: tuple[int, int]
    vertex: Landmark | None  # the joint, where there is one (an arc is drawn between its limbs)


def base_name(name: str) -> str:
    """The registry entry a rule's metric is drawn as (``knee_flexion_3d`` → ``knee_flexion``)."""
    return name.removesuffix("_3d")


def label(name: str) -> str:
    """A short name for the screen: ``front_knee_flexion`` → ``front knee``."""
    base = base_name(name)
    role, _, rest = base.partition("_")
    if role in (*SIDES, "front", "back") and rest in WORDS:
        return f"{role} {WORDS[rest]}" if role in ("front", "back") else WORDS[rest]
    return WORDS.get(base, base.replace("_", " "))


def _seen(pose: Pose, landmark: Landmark) -> bool:
    return bool(pose.visibility[landmark] >= MIN_VISIBILITY and np.all(np.isfinite(pose.xy[landmark])))


def _at(pose: Pose, landmarks: list[Landmark]) -> tuple[int, int] | None:
    seen = [lm for lm in landmarks if _seen(pose, lm)]
    if not seen:
        return None
    x, y = np.mean([pose.xy[lm] for lm in seen], axis=0)
    return round(float(x)), round(float(y))


def _side_joint(base: str, pose: Pose, metrics: Metrics) -> Landmark | None:
    """The joint of a front/back or bilateral measurement, for this frame."""
    role, _, rest = base.partition("_")
    if role in ("front", "back") and f"left_{rest}" in MEASUREMENTS:
        if metrics.front_side not in SIDES:
            return None
        side = metrics.front_side if role == "front" else OTHER_SIDE[metrics.front_side]
        return MEASUREMENTS[f"{side}_{rest}"].vertex
    if f"left_{base}" in MEASUREMENTS:
        joints = [MEASUREMENTS[f"{side}_{base}"].vertex for side in SIDES]
        known = [j for j in joints if j is not None]
        return max(known, key=lambda j: float(pose.visibility[j])) if known else None
    return None


def anchor(name: str, pose: Pose, metrics: Metrics) -> Anchor | None:
    """Where ``name`` is drawn in this frame (None: its landmarks are not seen)."""
    base = base_name(name)
    vertex = MEASUREMENTS[base].vertex if base in MEASUREMENTS else None
    vertex = vertex or _side_joint(base, pose, metrics)
    if base in ROLE_JOINTS and metrics.front_side in SIDES:
        role, part = ROLE_JOINTS[base]
        side = metrics.front_side if role == "front" else OTHER_SIDE[metrics.front_side]
        vertex = sided(side, part)
    if vertex is not None:
        return Anchor(point, vertex) if (point := _at(pose, [vertex])) else None
    middle = MIDPOINTS.get(base)
    if middle is None:
        return None
    point = _at(pose, [sided(side, middle) for side in SIDES])
    return Anchor(point, None) if point else None
