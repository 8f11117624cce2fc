"""Staying on the person who set up when someone else walks into view.

The pose model finds one person a frame, or, asked to watch for others (``--watch-others``), up
to WATCHING_PEOPLE in no fixed order and now and then the same person twice (a second, partial
skeleton inside the first). The tracker picks the user once
(the largest body, nearest the centre: who stands in front of the camera to exercise) and
from then on follows them by where they are in the image: the candidate whose bounding box
is most like theirs in the last frame they were seen. Someone else is never taken for them
while they are briefly missed; only after ``FORGET_AFTER_S`` gone is the user picked afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from formcoach.types import Pose

# Looking for others, the pose model is asked for the user and one more: enough to tell someone
# else in view apart from the user rather than take them for the user. It is not the default:
# the model then runs its person detector on every frame (pose time 28-34 -> 39-65 ms a frame)
# and, without its frame-to-frame tracking, places the landmarks less steadily (fresh eval of
# the shared clips: false cues 4.3 -> 6.9/min, a feet-end strap render never started, hip
# shifting 10 -> 7 of 12). Alone, the tracker still never takes a jump to someone else for the user.
WATCHING_PEOPLE = 2
# Boxes of one person a frame apart overlap by far more (≥ 0.7 at 24 fps in the clips);
# two people side by side, hardly at all.
MIN_OVERLAP = 0.3
# A box this much inside another is the same person: a partial second skeleton of the user
# (in 4 of 18 single-person clips, always ≥ 0.8 inside the full one), or the user's box
# jumping with a bad frame's landmarks (up to 0.94 inside, at an overlap of 0.2).
SAME_PERSON_INSIDE = 0.5
FORGET_AFTER_S = 3.0  # the user gone this long (not merely missed a frame or two): pick afresh

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


def body_box(pose: Pose) -> Box:
    x0, y0 = pose.xy.min(axis=0)
    x1, y1 = pose.xy.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area > 0 else 0.0


def inside(a: Box, b: Box) -> float:
    """How much of the smaller of two boxes lies inside the other (0..1)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if width > 0 and height > 0 and smaller > 0 else 0.0


def same_person(a: Box, b: Box) -> bool:
    return overlap(a, b) >= MIN_OVERLAP or inside(a, b) >= SAME_PERSON_INSIDE


def setup_score(pose: Pose) -> float:
    """How much ``pose`` looks like the user: its height in the frame, less its distance from
    the centre (both as fractions of the frame)."""
    x0, y0, x1, y1 = body_box(pose)
    width, height = pose.image_wh
    off_centre = abs((x0 + x1) / 2 - width / 2) / width
    return float(np.clip((y1 - y0) / height, 0.0, 1.0)) - off_centre


class PersonTracker:
    """Picks the user's pose among a frame's; marks it with how many others were in view."""

    def __init__(self) -> None:
        self._box: Box | None = None
        self._seen_t = 0.0

    def pick(self, candidates: Sequence[Pose], t: float) -> Pose | None:
        if self._box is not None and t - self._seen_t > FORGET_AFTER_S:
            self._box = None
        if not candidates:
            return None
        if self._box is None:
            chosen = max(candidates, key=setup_score)
        else:
            last = self._box
            chosen = max(candidates, key=lambda pose: (overlap(body_box(pose), last), inside(body_box(pose), last)))
            if not same_person(body_box(chosen), last):
                return None  # the user is missed this frame; whoever is in view is someone else
        self._box, self._seen_t = body_box(chosen), t
        others = [pose for pose in candidates if not same_person(body_box(pose), self._box)]
        return replace(chosen, others_in_view=len(others))
