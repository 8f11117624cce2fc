"""Labelled footage as another camera would have given it, made from the clip's own poses.

The coach is scored on footage nobody here has: other frame rates (a camera, or a machine,
that keeps up with fewer frames a second) and the other side of the body (the camera to the
user's left instead of their right). Every clip can stand for both: keeping every n-th pose,
and mirroring each pose (image x flipped, world x negated, left and right landmarks swapped)
with its label (working side, front leg, per-side counts) and ground truth mirrored to match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcoach.evaluation.labels import ClipLabel
from formcoach.landmarks import Landmark
from formcoach.types import Pose

CachedPoses = list[tuple[float, int, Pose | None]]
OTHER_SIDE = {"left": "right", "right": "left"}


def _mirrored_order() -> list[int]:
    """Landmark indices with every left landmark and its right one swapped."""
    order = list(range(len(Landmark)))
    for landmark in Landmark:
        if landmark.name.startswith("LEFT_"):
            right = Landmark[landmark.name.replace("LEFT_", "RIGHT_", 1)]
            order[landmark], order[right] = right, landmark
    return order


MIRRORED_ORDER = _mirrored_order()


def mirror_pose(pose: Pose) -> Pose:
    """The pose in the mirror: the same movement by a body seen from its other side."""
    width, _ = pose.image_wh
    xy = pose.xy[MIRRORED_ORDER].copy()
    xy[:, 0] = width - xy[:, 0]
    world = None
    if pose.world is not None:
        world = pose.world[MIRRORED_ORDER].copy()
        world[:, 0] = -world[:, 0]
    visibility = np.array(pose.visibility[MIRRORED_ORDER])
    return Pose(pose.t, pose.frame_index, xy, visibility, pose.image_wh, world, pose.others_in_view)


@dataclass(frozen=True)
class FootageVariant:
    frame_step: int = 1  # keep every n-th frame
    mirrored: bool = False

    def __post_init__(self) -> None:
        if self.frame_step < 1:
            raise ValueError(f"frame step must be 1 or more, got {self.frame_step}")

    @property
    def is_original(self) -> bool:
        return self.frame_step == 1 and not self.mirrored

    def describe(self) -> str:
        parts = [] if self.frame_step == 1 else [f"1 frame in {self.frame_step}"]
        return ", ".join([*parts, "mirrored"] if self.mirrored else parts) or "as filmed"

    def poses(self, poses: CachedPoses) -> CachedPoses:
        kept = poses[:: self.frame_step]
        if not self.mirrored:
            return kept
        return [(t, index, None if pose is None else mirror_pose(pose)) for t, index, pose in kept]

    def label(self, label: ClipLabel) -> ClipLabel:
        """What the clip's label says of this footage: its sides swapped in the mirror."""
        if not self.mirrored:
            return label
        return replace(
            label,
            working_side=OTHER_SIDE.get(label.working_side, label.working_side),
            front_leg=OTHER_SIDE.get(label.front_leg, label.front_leg),
            reps_left=label.reps_right,
            reps_right=label.reps_left,
        )


AS_FILMED = FootageVariant()
