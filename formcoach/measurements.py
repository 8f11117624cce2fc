"""The one registry of named measurements.

Every angle or distance an exercise rule may use is defined here once, with its convention;
the same definition drives checking, drawing, plotting and the README table
(``formcoach measurements`` prints it). Each measurement exists in image space (pixels of the
frame, trustworthy in the view the exercise asks for) and, where meaningful, in world space
(MediaPipe's metric, hip-centred 3-D landmarks; view-independent for joint angles) under the
same name with a ``_3d`` suffix.

Roles: ``front_*`` / ``back_*`` pick, in every frame, the leg whose thigh points further
forward of the trunk (the lunge's working leg), so an exercise file need not know which leg
the user puts forward. ``{side}`` / ``{other}`` in exercise files bind to left/right per set.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property

import numpy as np

from formcoach import geometry as g
from formcoach.landmarks import SIDES, Landmark, sided
from formcoach.types import Facing, FloatArray, Metrics, Pose
from formcoach.view import CameraView, Posture, camera_view, offset_from

MIN_VISIBILITY = 0.5
# A joint hidden behind the body is still placed well enough for a movement measured against
# the person's own range: from the wall, 31° off the feet end, the far knee in supine hip
# shifting reads visibility 0.43–0.55 on every frame while its height follows the truth
# (r = 0.96), so half its frames were lost to the 0.5 floor.
OCCLUDED_VISIBILITY = 0.3
# With one leg hidden, the seen leg is the front one if its hip is flexed well past 40°, the
# back one if well under it (split-stance fronts read 60-110°, backs −30-20°).
SPLIT_STANCE_HIP_DEG, SPLIT_STANCE_MARGIN_DEG = 40.0, 20.0
# The legs swap roles only when the other thigh leads by this much. In a held couch stretch
# 14° off the side the hidden back knee is misplaced beside the front one (its thigh reads
# 67–110° for ~0°), leading the front thigh by up to 25° on some frames: the front knee
# then read the back one's 105–117° for 90°. An alternating lunge's new front thigh leads
# by 60–100° at the bottom of its rep.
FRONT_SWAP_DEG = 30.0
# A split stance parts the thighs by this much hip flexion or more (half-kneeling and couch
# stretches 100-140°, lunge bottoms ~100°). Under it both thighs point forward: the landmarker
# has put a hidden back leg onto the front one (a couch stretch 20° off the side view read both
# at ~80°), and nothing measured on "the back leg" is about the back leg.
SPLIT_STANCE_MIN_DEG = 45.0
# MediaPipe's world landmarks bend a straight knee toward the camera: a true 0–15° read +9°
# (median; mean +8.8°) on renders-wide's 24 clips with a straight knee, +4° (mean +5.9°) on the
# shared renders, in every view, while knees bent 60° or more show no such offset. The world
# reading is lowered by WORLD_STRAIGHT_KNEE_DEG below the fade's start, by less up to its end
# (monotonic, continuous). Chosen on the renders, checked on renders-wide: straight-leg
# error 7.1 -> 4.6°, bent knees unchanged.
WORLD_STRAIGHT_KNEE_DEG = 10.0
WORLD_STRAIGHT_KNEE_FADE_DEG = (25.0, 45.0)
WORLD_KNEE_NOTE = (
    f" World readings under {WORLD_STRAIGHT_KNEE_FADE_DEG[1]:g}° are lowered by up to {WORLD_STRAIGHT_KNEE_DEG:g}°: "
    "the pose model reads a straight knee that much bent."
)
NAN = float("nan")


class Body:
    """One pose's points in one space, with the derived axes measurements share.

    A landmark below ``min_visibility`` reads as NaN, so every measurement that needs it
    is NaN: nothing is ever judged on a guessed joint.
    """

    def __init__(
        self,
        points: FloatArray,
        visibility: FloatArray,
        view: CameraView | None = None,
        world: Body | None = None,
        min_visibility: float = MIN_VISIBILITY,
    ) -> None:
        gated = np.array(points, dtype=np.float64)
        gated[visibility < min_visibility] = np.nan
        self._raw = points
        self.points = gated
        self.visibility = visibility
        self.min_visibility = min_visibility
        self.decided_front: str | None = None  # set once per pose (see ``front_leg``)
        self._floors: dict[float, Body] = {}
        self.dims = points.shape[1]
        self.view = view
        self.world = world  # the same pose's world landmarks, for an image body
        self._knee_facing: dict[str, float] = {}

    def with_floor(self, min_visibility: float) -> Body:
        """The same pose with hidden joints kept down to ``min_visibility``."""
        if min_visibility == self.min_visibility:
            return self
        if min_visibility not in self._floors:  # asked by each such measurement of the frame
            world = None if self.world is None else self.world.with_floor(min_visibility)
            body = Body(self._raw, self.visibility, self.view, world, min_visibility)
            body.decided_front = self.decided_front
            self._floors[min_visibility] = body
        return self._floors[min_visibility]

    def shank(self, side: str) -> FloatArray:
        return self.s(side, "ankle") - self.s(side, "knee")

    def plane_facing(self, a: FloatArray, b: FloatArray) -> float:
        """How squarely the plane of two world vectors faces the camera: 1 face-on, 0
        edge-on; NaN when they are nearly parallel (a straight joint has no plane)."""
        normal = g.cross(a, b)
        n = g.norm(normal)
        scale = g.norm(a) * g.norm(b)
        if not (scale > 0 and n > 0.2 * scale):  # under ~12° the plane is noise
            return NAN
        return abs(float(normal[2])) / n

    def knee_facing(self, side: str) -> float:
        # Asked for by the near leg and by several knee measurements in one frame.
        if side not in self._knee_facing:
            self._knee_facing[side] = self.plane_facing(self.thigh(side), self.shank(side))
        return self._knee_facing[side]

    def p(self, landmark: Landmark) -> FloatArray:
        point: FloatArray = self.points[landmark]
        return point

    def s(self, side: str, part: str) -> FloatArray:
        return self.p(sided(side, part))

    @cached_property
    def mid_hip(self) -> FloatArray:
        return g.midpoint(self.p(Landmark.LEFT_HIP), self.p(Landmark.RIGHT_HIP))

    @cached_property
    def mid_shoulder(self) -> FloatArray:
        return g.midpoint(self.p(Landmark.LEFT_SHOULDER), self.p(Landmark.RIGHT_SHOULDER))

    @cached_property
    def trunk_down(self) -> FloatArray:
        """Shoulders → hips: the direction a thigh points when in line with the trunk."""
        return self.mid_hip - self.mid_shoulder

    @cached_property
    def anterior(self) -> FloatArray:
        """The body's forward direction at right angles to the trunk, from where the nose is.

        The nose sits well in front of the shoulder line in every posture these exercises
        use (standing, lying, kneeling), which makes it a posture-independent "front".
        """
        return g.perpendicular_component(self.p(Landmark.NOSE) - self.mid_shoulder, self.trunk_down)

    @cached_property
    def hip_width(self) -> float:
        return g.distance(self.p(Landmark.LEFT_HIP), self.p(Landmark.RIGHT_HIP))

    @cached_property
    def trunk_length(self) -> float:
        return g.distance(self.mid_hip, self.mid_shoulder)

    def thigh(self, side: str) -> FloatArray:
        return self.s(side, "knee") - self.s(side, "hip")

    def hip_flexion(self, side: str) -> float:
        return g.signed_angle(self.trunk_down, self.thigh(side), self.anterior)

    @cached_property
    def front_side(self) -> str | None:
        """The front leg decided for this pose, else this body's own guess."""
        return self.decided_front or self.leading_side

    @cached_property
    def leading_side(self) -> str | None:
        """The leg whose thigh points further forward in this body alone (None when unknown)."""
        left, right = self.hip_flexion("left"), self.hip_flexion("right")
        if np.isfinite(left) and np.isfinite(right):
            return "left" if left >= right else "right"
        # One leg hidden (the far knee in a kneeling stretch): the seen leg tells by itself
        # whether it is the one in front, when its thigh is clearly forward or back.
        for side, flexion, other in (("left", left, "right"), ("right", right, "left")):
            if np.isfinite(flexion) and abs(flexion - SPLIT_STANCE_HIP_DEG) > SPLIT_STANCE_MARGIN_DEG:
                return side if flexion > SPLIT_STANCE_HIP_DEG else other
        return None

    @cached_property
    def back_side(self) -> str | None:
        front = self.front_side
        return None if front is None else ("right" if front == "left" else "left")

    @cached_property
    def near_side(self) -> str:
        """The leg the camera sees best: the near leg in a side or three-quarter view (from
        where the camera stands; at 30–45° off the side both legs read visibility ≈ 1), else
        the more visible leg."""

        def leg_visibility(side: str) -> float:
            return float(min(self.visibility[sided(side, part)] for part in ("hip", "knee", "ankle")))

        seen = [side for side in SIDES if leg_visibility(side) >= MIN_VISIBILITY]
        if len(seen) == 1:
            return seen[0]
        if self.world is not None:
            # The leg whose knee bends most squarely to the camera: off the side view the
            # near leg is not always it (knees turned out in a squat turn one toward the lens).
            facing = {side: self.world.knee_facing(side) for side in SIDES}
            if all(math.isfinite(f) for f in facing.values()) and abs(facing["left"] - facing["right"]) > 0.1:
                return max(SIDES, key=lambda side: facing[side])
        view = self.view
        if view is not None and view.posture is not Posture.ON_SIDE and abs(abs(view.azimuth_deg) - 90) < 60:
            return "right" if view.azimuth_deg > 0 else "left"
        return "left" if leg_visibility("left") >= leg_visibility("right") else "right"

    def lateral(self, side: str) -> FloatArray:
        """Unit vector from the body's midline out toward ``side``'s hip."""
        out = self.s(side, "hip") - self.mid_hip
        n = float(np.linalg.norm(out))
        return out / n if n > 0 else np.full(self.dims, np.nan)


class Plane(StrEnum):
    """The body plane an image measurement lies in, which decides where the camera must
    stand for the image to show it undistorted."""

    SAGITTAL = "sagittal"  # forward-back and up-down: seen from the side
    FRONTAL = "frontal"  # sideways and up-down: seen from the front, back or (lying) feet


# Camera azimuths (see formcoach.view) that look straight at each plane.
PLANE_VIEWS: dict[Plane, tuple[float, ...]] = {Plane.SAGITTAL: (90.0, -90.0), Plane.FRONTAL: (0.0, 180.0)}
# How far off those views the image is trusted. Beyond ``IMAGE_FULL_DEG`` the image and the
# world landmarks are blended, the world's share growing until ``IMAGE_NONE_DEG``, where the
# plane folds onto the image's depth axis: a measurement never jumps as the camera (or the
# view estimate) drifts across a boundary. Measured on renders-wide (mean error, 0–15° /
# 15–30° / 30–45° off): front knee 7.4 / 7.6 / 10.1°, bilateral knee 5.0 / 10.1 / 8.8°.
IMAGE_FULL_DEG, IMAGE_NONE_DEG = 40.0, 60.0


class Space(StrEnum):
    WORLD = "world"  # MediaPipe's world landmarks; any view (``<name>_3d``)
    BEST = "best"  # the image where the view shows the plane, else (if it has one) the world landmarks


def _trust(off_deg: float) -> float:
    """Image trust for a plane seen ``off_deg`` off square: 1 up to IMAGE_FULL_DEG, 0 from
    IMAGE_NONE_DEG, linear between."""
    return min(1.0, max(0.0, (IMAGE_NONE_DEG - off_deg) / (IMAGE_NONE_DEG - IMAGE_FULL_DEG)))


def image_weight(plane: Plane | None, view: CameraView | None) -> float:
    """How much the image is trusted for ``plane`` from where the camera stands: 1 facing
    the plane, 0 edge-on (an unknown view gets the benefit of the doubt)."""
    if plane is None or view is None:
        return 1.0
    return _trust(abs(offset_from(view.azimuth_deg, PLANE_VIEWS[plane])))


def facing_weight(facing: float) -> float:
    """Image trust for a joint whose plane faces the camera by ``facing`` (|cos| of the
    angle between the plane's normal and the line of sight)."""
    return _trust(math.degrees(math.acos(min(1.0, max(0.0, facing)))))


def image_judgeable(plane: Plane | None, view: CameraView | None) -> bool:
    return image_weight(plane, view) > 0


class Unit(StrEnum):
    """A measurement's unit: degrees, or a length as a fraction of a body length (so it is
    the same for every body and camera distance). It writes and scales itself."""

    DEG = "deg"
    HIP_WIDTHS = "hip widths"
    LEG_LENGTHS = "leg lengths"
    SHIN_LENGTHS = "shin lengths"

    @property
    def is_angle(self) -> bool:
        return self is Unit.DEG

    @property
    def symbol(self) -> str:
        """Written after a number: ``40°``, ``0.35 hip widths``."""
        return "°" if self.is_angle else f" {self.value}"

    @property
    def axis_label(self) -> str:
        return "degrees" if self.is_angle else str(self.value)

    def number(self, value: float) -> str:
        """The value as the user reads it, without the unit: whole degrees, ratios to 0.01
        (``z``: a value that rounds to zero is written 0, not -0)."""
        return f"{value:z.0f}" if self.is_angle else f"{value:z.2f}"

    def written(self, value: float) -> str:
        """The value with its unit: ``40°``, ``0.35 hip widths``."""
        return f"{self.number(value)}{self.symbol}"

    @property
    def rep_gap(self) -> float:
        """The smallest gap between a rep's start and end thresholds: closer, hovering counts."""
        return 5.0 if self.is_angle else 0.05

    @property
    def steady_rate(self) -> float:
        """Changing slower than this per second reads as held still (landmark jitter is ~5°/s)."""
        return 10.0 if self.is_angle else 0.1

    @property
    def plot_margin(self) -> float:
        """The least room a plot leaves around a band."""
        return 2.0 if self.is_angle else 0.02


@dataclass(frozen=True)
class Measurement:
    name: str
    unit: Unit
    description: str  # the convention, starting with what 0 means
    compute: Callable[[Body], float]
    vertex: Landmark | None = None  # where the overlay draws it
    world: bool = True  # also offered as ``<name>_3d``
    image: bool = True  # offered in image space (False: only as ``<name>_3d``)
    plane: Plane | None = None  # image measurements: the plane they lie in (None: any view)
    space: Space = Space.BEST
    # How squarely the measured joint's own plane faces the camera (0..1, on the world body):
    # where known it decides how far the image is trusted, joint by joint.
    facing: Callable[[Body], float] | None = None
    # Landmarks down to this visibility are used (OCCLUDED_VISIBILITY: a joint hidden behind
    # the body still counts, for movements judged against the person's own range).
    min_visibility: float = MIN_VISIBILITY

    def views(self) -> str:
        """Where it holds, for the README table and ``formcoach measurements``."""
        if self.space is Space.WORLD:
            return "any (world landmarks)"
        if self.plane is None:
            return "any (image)"
        seen_from = "a side view" if self.plane is Plane.SAGITTAL else "a front, back or feet-end view"
        near = f"image within ±{IMAGE_FULL_DEG:g}° of {seen_from}"
        if self.space is Space.BEST and self.world:
            return f"{near}; blended into the world landmarks by ±{IMAGE_NONE_DEG:g}°"
        return f"{near}; not judged beyond ±{IMAGE_NONE_DEG:g}°"

    def value(self, image: Body, world: Body | None) -> float:
        """This measurement of one pose, from the space it holds in for this view."""
        image = image.with_floor(self.min_visibility)
        world = None if world is None else world.with_floor(self.min_visibility)
        if self.space is Space.WORLD:
            return NAN if world is None else float(self.compute(world))
        weight = image_weight(self.plane, image.view)
        if self.facing is not None and world is not None:
            facing = self.facing(world)
            if math.isfinite(facing):
                weight = facing_weight(facing)
        fallback = self.space is Space.BEST and self.world and world is not None
        if weight >= 1.0 or not fallback:
            return float(self.compute(image)) if weight > 0 else NAN
        assert world is not None
        seen = float(self.compute(world))
        if weight <= 0.0:
            return seen
        pictured = float(self.compute(image))
        if not math.isfinite(pictured):
            return seen
        return weight * pictured + (1 - weight) * seen if math.isfinite(seen) else pictured


def _knee_flexion(side: str) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        flexion = 180.0 - g.included_angle(b.s(side, "hip"), b.s(side, "knee"), b.s(side, "ankle"))
        return _undo_world_straight_knee(flexion) if b.dims == 3 and math.isfinite(flexion) else flexion

    return compute


def _undo_world_straight_knee(flexion: float) -> float:
    start, end = WORLD_STRAIGHT_KNEE_FADE_DEG
    share = min(1.0, max(0.0, (end - flexion) / (end - start)))
    return max(0.0, flexion - WORLD_STRAIGHT_KNEE_DEG * share)


def _knee_facing(side: str) -> Callable[[Body], float]:
    return lambda w: w.knee_facing(side)


def _abduction_facing(side: str) -> Callable[[Body], float]:
    # The thigh against the hip line: seen true only while both lie across the image (a
    # thigh pointing at the camera has no direction there).
    return lambda w: w.plane_facing(w.lateral(side), w.thigh(side))


def _hip_flexion(side: str) -> Callable[[Body], float]:
    return lambda b: b.hip_flexion(side)


def _knee_hip_shoulder(side: str) -> Callable[[Body], float]:
    # Thigh against the trunk line (mid-hip → mid-shoulder) rather than this side's shoulder:
    # shoulders are wider than hips, which would bend a straight body by ~10° in 3-D.
    return lambda b: g.angle_between(b.thigh(side), -b.trunk_down)


def _shin_angle(side: str) -> Callable[[Body], float]:
    return lambda b: g.angle_from_vertical(b.s(side, "ankle"), b.s(side, "knee"))


def _hip_abduction(side: str) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        # Needs the hip line to be seen across (front, back or feet-end views): in a side
        # view the hips overlap and "sideways" is undefined.
        if not b.hip_width > 0.25 * b.trunk_length:
            return NAN
        thigh = b.thigh(side)
        n = float(np.linalg.norm(thigh))
        if not n > 0:
            return NAN
        out = float(np.dot(thigh, b.lateral(side))) / n
        return float(np.degrees(np.arcsin(np.clip(out, -1.0, 1.0))))

    return compute


def _knee_over_ankle(side: str) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        shin = g.distance(b.s(side, "knee"), b.s(side, "ankle"))
        forward = np.sign(b.anterior[0])
        if not shin > 0 or not np.isfinite(forward):
            return NAN
        return float((b.s(side, "knee")[0] - b.s(side, "ankle")[0]) * forward / shin)

    return compute


def _ankle_offset(side: str, axis: int) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        leg = g.distance(b.s(side, "hip"), b.s(side, "knee")) + g.distance(b.s(side, "knee"), b.s(side, "ankle"))
        if not leg > 0:
            return NAN
        return float((b.s(side, "ankle")[axis] - b.s(side, "hip")[axis]) / leg)

    return compute


def _by_role(role: str, per_side: Callable[[str], Callable[[Body], float]]) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        side = {"front": b.front_side, "back": b.back_side, "near": b.near_side}[role]
        return NAN if side is None else per_side(side)(b)

    return compute


def _split_back(per_side: Callable[[str], Callable[[Body], float]]) -> Callable[[Body], float]:
    """The back leg's measurement while the thighs are split (``SPLIT_STANCE_MIN_DEG``), else NaN."""

    def compute(b: Body) -> float:
        front, back = b.front_side, b.back_side
        if front is None or back is None or not b.hip_flexion(front) - b.hip_flexion(back) >= SPLIT_STANCE_MIN_DEG:
            return NAN
        return per_side(back)(b)

    return compute


def _best(*facings: float) -> float:
    """The most squarely facing of several joints (the image reads the best-seen leg)."""
    known = [f for f in facings if math.isfinite(f)]
    return max(known) if known else NAN


def _worst(*facings: float) -> float:
    """The least squarely facing of several joints (a value read from all of them)."""
    known = [f for f in facings if math.isfinite(f)]
    return min(known) if known else NAN


_LEFT_KNEE, _RIGHT_KNEE = _knee_flexion("left"), _knee_flexion("right")


def _bilateral(per_side: Callable[[str], Callable[[Body], float]]) -> Callable[[Body], float]:
    """Both legs alike: in the image the near leg (the far one is hidden or foreshortened);
    in 3-D the mean of both, which halves the landmarker's per-leg depth error."""
    near = _by_role("near", per_side)
    left, right = per_side("left"), per_side("right")

    def compute(b: Body) -> float:
        if b.dims == 2:
            return near(b)
        values = [v for v in (left(b), right(b)) if math.isfinite(v)]
        return sum(values) / len(values) if values else NAN

    return compute


def _ratio_to_hip_width(a: Callable[[Body], FloatArray], c: Callable[[Body], FloatArray]) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        return g.distance(a(b), c(b)) / b.hip_width if b.hip_width > 0 else NAN

    return compute


def _knee_height_diff(b: Body) -> float:
    if not b.hip_width > 0:
        return NAN
    return float((b.s("right", "knee")[1] - b.s("left", "knee")[1]) / b.hip_width)


def _back_knee_clearance(b: Body) -> float:
    front, back = b.front_side, b.back_side
    if front is None or back is None:
        return NAN
    foot = [b.s(front, part)[1] for part in ("heel", "foot_index", "ankle")]
    if not np.isfinite(foot).any():
        return NAN
    floor = np.nanmax(foot)
    shin = g.distance(b.s(back, "knee"), b.s(back, "ankle"))
    if not shin > 0:
        return NAN
    return float((floor - b.s(back, "knee")[1]) / shin)


def _trunk_lean(b: Body) -> float:
    trunk = b.mid_shoulder - b.mid_hip
    view = b.view
    if b.dims == 2 and view is not None:
        # Off the side view a forward lean is seen shortened by the cosine of the offset:
        # undone up to IMAGE_FULL_DEG (renders-wide squat 28° off: a 64° lean read 53.6°,
        # under the 55° band; corrected it is caught).
        offset = min(abs(offset_from(view.azimuth_deg, PLANE_VIEWS[Plane.SAGITTAL])), IMAGE_FULL_DEG)
        trunk = np.array([trunk[0] / math.cos(math.radians(offset)), trunk[1]])
    return g.angle_from_vertical(np.zeros_like(trunk), trunk)


def _trunk_side_lean(b: Body) -> float:
    across = b.p(Landmark.LEFT_HIP) - b.p(Landmark.RIGHT_HIP)
    across[1] = 0.0  # the hip line's horizontal direction (axis 1 is down in both spaces)
    n = float(np.linalg.norm(across))
    trunk = b.mid_shoulder - b.mid_hip
    length = float(np.linalg.norm(trunk))
    if not (n > 0 and length > 0):
        return NAN
    return float(np.degrees(np.arcsin(np.clip(float(np.dot(trunk, across)) / (n * length), -1.0, 1.0))))


def _sway(centre: Callable[[Body], FloatArray], axis: int) -> Callable[[Body], float]:
    def compute(b: Body) -> float:
        base = g.midpoint(b.p(Landmark.LEFT_ANKLE), b.p(Landmark.RIGHT_ANKLE))
        leg = g.distance(base, b.mid_hip)
        return float((centre(b)[axis] - base[axis]) / leg) if leg > 0 else NAN

    return compute


def _pelvis_rotation(b: Body) -> float:
    # The hip line's angle about the vertical axis: 0 when square to the camera.
    line = b.p(Landmark.RIGHT_HIP) - b.p(Landmark.LEFT_HIP)
    return float(np.degrees(np.arctan2(line[2], abs(line[0]))))


def _leg_angles(s: str) -> list[Measurement]:
    """One leg's joint angles: knee and hip flexion, the bridge line, shin tilt, hip abduction."""
    return [
        Measurement(
            f"{s}_knee_flexion",
            Unit.DEG,
            "0° when the shank is in line with the thigh; 90° at a right-angle knee." + WORLD_KNEE_NOTE,
            _knee_flexion(s),
            sided(s, "knee"),
            plane=Plane.SAGITTAL,
            facing=_knee_facing(s),
        ),
        Measurement(
            f"{s}_hip_flexion",
            Unit.DEG,
            "0° when the thigh is in line with the trunk (standing tall); + as the "
            "knee moves forward of the trunk line, − behind it (extension).",
            _hip_flexion(s),
            sided(s, "hip"),
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            f"{s}_knee_hip_shoulder",
            Unit.DEG,
            "Included knee–hip–shoulder angle: 180° when the three are in a straight "
            "line (top of a bridge), smaller as the hip bends.",
            _knee_hip_shoulder(s),
            sided(s, "hip"),
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            f"{s}_shin_angle",
            Unit.DEG,
            "0° when the shin (ankle→knee) is vertical; grows as it tips either way.",
            _shin_angle(s),
            sided(s, "ankle"),
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            f"{s}_hip_abduction",
            Unit.DEG,
            "0° when the thigh hangs straight down the body's side; + as it moves out sideways, away from the midline.",
            _hip_abduction(s),
            sided(s, "hip"),
            plane=Plane.FRONTAL,
            facing=_abduction_facing(s),
        ),
    ]


def _leg_offsets(s: str) -> list[Measurement]:
    """Where one leg's knee and ankle stand from its ankle or hip, over the leg's length."""
    return [
        Measurement(
            f"{s}_knee_over_ankle",
            Unit.SHIN_LENGTHS,
            "0 when the knee is straight above the ankle; + when it is ahead of the "
            "ankle in the direction the person faces. Side view.",
            _knee_over_ankle(s),
            sided(s, "knee"),
            world=False,
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            f"{s}_ankle_x",
            Unit.LEG_LENGTHS,
            "Sideways offset of the ankle from its hip (x), over the leg's length; 0 straight "
            "below or above the hip. In 3-D with {side}_ankle_depth_3d it traces leg circles.",
            _ankle_offset(s, 0),
            sided(s, "ankle"),
        ),
        Measurement(
            f"{s}_ankle_y",
            Unit.LEG_LENGTHS,
            "Vertical offset of the ankle from its hip (y, down +), over the leg's length.",
            _ankle_offset(s, 1),
            sided(s, "ankle"),
        ),
        Measurement(
            f"{s}_ankle_depth",
            Unit.LEG_LENGTHS,
            "Offset of the ankle from its hip toward (−) or away from (+) the camera (world z), "
            "over the leg's length. A raised straight leg circling traces a circle in "
            "({side}_ankle_x_3d, this) from any view; in the image a straight leg's offset "
            "over its own length is a unit vector and only turns.",
            _ankle_offset(s, 2),
            sided(s, "ankle"),
            image=False,
        ),
    ]


def _sided_measurements() -> list[Measurement]:
    return [m for side in SIDES for m in (*_leg_angles(side), *_leg_offsets(side))]


def _role_measurements() -> list[Measurement]:
    out: list[Measurement] = []
    for role in ("front", "back"):
        out += [
            Measurement(
                f"{role}_knee_flexion",
                Unit.DEG,
                f"Knee flexion of the {role} leg (the leg whose thigh points "
                f"{'most' if role == 'front' else 'least'} forward), 0° straight." + WORLD_KNEE_NOTE,
                _by_role(role, _knee_flexion),
                plane=Plane.SAGITTAL,
                facing=_by_role(role, _knee_facing),
            ),
            Measurement(
                f"{role}_hip_flexion",
                Unit.DEG,
                f"Hip flexion of the {role} leg: 0° in line with the trunk, + forward.",
                _by_role(role, _hip_flexion),
                plane=Plane.SAGITTAL,
            ),
        ]
    out += [
        Measurement(
            "front_shin_angle",
            Unit.DEG,
            "Shin of the front leg from vertical, 0° upright.",
            _by_role("front", _shin_angle),
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            "back_shin_angle",
            Unit.DEG,
            "Shin of the back leg from vertical: 0° with the ankle under the knee, ~100° with the shin flat "
            "behind a knee on the floor, ~180° with the shin up a wall behind (couch stretch). Only in a split "
            f"stance (thighs ≥ {SPLIT_STANCE_MIN_DEG:g}° apart in hip flexion); NaN when both thighs point forward.",
            _split_back(_shin_angle),
            plane=Plane.SAGITTAL,
        ),
    ]
    return out


def _bilateral_measurements() -> list[Measurement]:
    # For moves both legs do alike (squat, bridge), read the leg the camera sees best: in a
    # side view the far leg is hidden and its landmarks are guesses.
    per_side = {
        "knee_flexion": (_knee_flexion, "Knee flexion"),
        "hip_flexion": (_hip_flexion, "Hip flexion"),
        "knee_hip_shoulder": (_knee_hip_shoulder, "Knee–hip–shoulder angle"),
        "shin_angle": (_shin_angle, "Shin angle from vertical"),
    }
    facings: dict[str, Callable[[Body], float]] = {
        "knee_flexion": lambda w: _best(w.knee_facing("left"), w.knee_facing("right")),
    }
    return [
        Measurement(
            name,
            Unit.DEG,
            f"{label} of the leg the camera sees best in the image, of both legs averaged in 3-D "
            f"(bilateral moves); same convention as left_{name}.",
            _bilateral(factory),
            plane=Plane.SAGITTAL,
            facing=facings.get(name),
        )
        for name, (factory, label) in per_side.items()
    ]


def _both_knees_flexion(b: Body) -> float:
    values = [v for v in (_LEFT_KNEE(b), _RIGHT_KNEE(b)) if math.isfinite(v)]
    return min(values) if values else NAN


def _whole_body_angles() -> list[Measurement]:
    lm = Landmark
    return [
        Measurement(
            "both_knees_flexion",
            Unit.DEG,
            "Knee flexion of the straighter knee: how far both knees bend together, 90° at the bottom of a "
            "lunge with both knees at right angles; a knee drive (one knee bent, the other straight) reads "
            "near 0. A hidden knee is left out." + WORLD_KNEE_NOTE,
            _both_knees_flexion,
            plane=Plane.SAGITTAL,
            facing=lambda w: _worst(w.knee_facing("left"), w.knee_facing("right")),
        ),
        Measurement(
            "trunk_lean",
            Unit.DEG,
            "0° when the trunk (mid-hip → mid-shoulder) is vertical; 90° lying flat. In the image, "
            "corrected for a camera off the side view (the forward part seen shortened by its cosine).",
            _trunk_lean,
            plane=Plane.SAGITTAL,
        ),
        Measurement(
            "trunk_side_lean",
            Unit.DEG,
            "Sideways lean of the trunk (mid-hip → mid-shoulder) across the hip line: 0° upright, + toward "
            "the person's left, − toward their right.",
            _trunk_side_lean,
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "pelvis_tilt",
            Unit.DEG,
            "Hip-to-hip line against the horizontal: 0° level, + when the left hip is "
            "higher. In world space this is pelvic obliquity (one hip lifted).",
            lambda b: g.tilt_from_horizontal(b.p(lm.LEFT_HIP), b.p(lm.RIGHT_HIP)),
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "shoulder_tilt",
            Unit.DEG,
            "Shoulder line against the horizontal: 0° level, + when the left shoulder is higher.",
            lambda b: g.tilt_from_horizontal(b.p(lm.LEFT_SHOULDER), b.p(lm.RIGHT_SHOULDER)),
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "thigh_angle",
            Unit.DEG,
            "Angle between the two thighs (hip→knee): 0° when parallel.",
            lambda b: g.angle_between(b.thigh("left"), b.thigh("right")),
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "pelvis_rotation",
            Unit.DEG,
            "Rotation of the hip line about the vertical: 0° when the hips face the camera square.",
            _pelvis_rotation,
            image=False,
        ),
    ]


def _whole_body_ratios() -> list[Measurement]:
    lm = Landmark
    return [
        Measurement(
            "knee_gap",
            Unit.HIP_WIDTHS,
            "Distance between the knees over the distance between the hips: 1 when the "
            "knees are as far apart as the hips. Front, back or feet-end view.",
            _ratio_to_hip_width(lambda b: b.p(lm.LEFT_KNEE), lambda b: b.p(lm.RIGHT_KNEE)),
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "feet_gap",
            Unit.HIP_WIDTHS,
            "Distance between the ankles over the hip width: 0 when the feet touch.",
            _ratio_to_hip_width(lambda b: b.p(lm.LEFT_ANKLE), lambda b: b.p(lm.RIGHT_ANKLE)),
            plane=Plane.FRONTAL,
        ),
        Measurement(
            "knee_height_diff",
            Unit.HIP_WIDTHS,
            "How much higher the left knee is than the right (image up), over the hip "
            "width: 0 level; swings ± as the knees rise and fall in hip shifting.",
            _knee_height_diff,
            world=False,
            plane=Plane.FRONTAL,
            min_visibility=OCCLUDED_VISIBILITY,
        ),
        Measurement(
            "knee_height_gap",
            Unit.HIP_WIDTHS,
            "How far apart the knees are in height (image), over the hip width, whichever is higher: "
            "0 level; rises on every shift to either side in hip shifting.",
            lambda b: abs(_knee_height_diff(b)),
            world=False,
            plane=Plane.FRONTAL,
            min_visibility=OCCLUDED_VISIBILITY,
        ),
        Measurement(
            "back_knee_clearance",
            Unit.SHIN_LENGTHS,
            "Height of the back knee above the front foot's floor line, over the back "
            "shin's length: 0 on the floor. Side view.",
            _back_knee_clearance,
            world=False,
            plane=Plane.SAGITTAL,
        ),
    ]


def _sway_measurements() -> list[Measurement]:
    """Where the hips and shoulders stand over the feet, over the leg length: standing circles and sways."""
    return [
        Measurement(
            "hip_sway_depth",
            Unit.LEG_LENGTHS,
            "Offset of mid-hip from mid-ankle toward (−) or away from (+) the camera (world z), over the "
            "leg length: with hip_sway_x_3d it traces standing hip circles from any view.",
            _sway(lambda b: b.mid_hip, 2),
            image=False,
        ),
        Measurement(
            "hip_sway_x",
            Unit.LEG_LENGTHS,
            "Sideways offset (image x) of mid-hip from mid-ankle over the leg length; traces standing hip circles.",
            _sway(lambda b: b.mid_hip, 0),
        ),
        Measurement(
            "trunk_sway_x",
            Unit.LEG_LENGTHS,
            "Sideways offset (image x) of mid-shoulder from mid-ankle over the leg length.",
            _sway(lambda b: b.mid_shoulder, 0),
            world=False,
        ),
        Measurement(
            "trunk_sway_y",
            Unit.LEG_LENGTHS,
            "Height offset (image y, down +) of mid-shoulder from mid-ankle over the leg "
            "length; drops as the trunk bends.",
            _sway(lambda b: b.mid_shoulder, 1),
            world=False,
        ),
    ]


def _view_measurements() -> list[Measurement]:
    def azimuth(b: Body) -> float:
        return b.view.azimuth_deg if b.view is not None else NAN

    def elevation(b: Body) -> float:
        return b.view.elevation_deg if b.view is not None else NAN

    return [
        Measurement(
            "camera_azimuth",
            Unit.DEG,
            "Where the camera stands around the body: 0° in front of an upright or side-lying body, at "
            "the feet of a body lying on its back; +90° at the body's right side (side-lying: at the "
            "head end), −90° at its left; ±180° behind. Median error on rendered bodies 6.7° upright, "
            "2.8° on the back; not to be trusted side-lying (30–75°).",
            azimuth,
            world=False,
            space=Space.WORLD,
        ),
        Measurement(
            "camera_elevation",
            Unit.DEG,
            "Camera height seen from the body: 0° level with the body's horizontal plane, + above it "
            "(looking down), − below.",
            elevation,
            world=False,
            space=Space.WORLD,
        ),
    ]


def _build_registry() -> dict[str, Measurement]:
    base = (
        _sided_measurements()
        + _role_measurements()
        + _bilateral_measurements()
        + _whole_body_angles()
        + _whole_body_ratios()
        + _sway_measurements()
        + _view_measurements()
    )
    registry = {m.name: m for m in base}
    for m in base:
        if m.world:
            registry[f"{m.name}_3d"] = replace(
                m, name=f"{m.name}_3d", description=m.description + " (world landmarks, 3-D)", space=Space.WORLD
            )
        if not m.image:
            del registry[m.name]
    return registry


MEASUREMENTS: dict[str, Measurement] = _build_registry()


def facing_of(body: Body) -> Facing:
    """Standing side-on (left/right), toward the camera, or lying, from image points."""
    if not np.isfinite(body.trunk_length) or body.trunk_length <= 0:
        return Facing.UNKNOWN
    lean = g.angle_from_vertical(body.mid_hip, body.mid_shoulder)
    if lean > 60:
        return Facing.LYING
    shoulder_width = g.distance(body.p(Landmark.LEFT_SHOULDER), body.p(Landmark.RIGHT_SHOULDER))
    if shoulder_width > 0.45 * body.trunk_length:
        return Facing.CAMERA
    nose_x = body.p(Landmark.NOSE)[0] - body.mid_shoulder[0]
    if not np.isfinite(nose_x):
        return Facing.UNKNOWN
    return Facing.LEFT if nose_x < 0 else Facing.RIGHT


BODY_PARTS = ("nose", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
FRAME_MARGIN = 0.01  # a landmark this close to the edge (fraction of the frame) is half out


_PART_LANDMARKS = {
    part: [Landmark.NOSE] if part == "nose" else [sided(side, part) for side in SIDES] for part in BODY_PARTS
}


def parts_in_frame(pose: Pose) -> frozenset[str]:
    """Body parts with at least one side visible and inside the frame."""
    width, height = pose.image_wh
    x, y = pose.xy[:, 0], pose.xy[:, 1]
    inside = (
        (pose.visibility >= MIN_VISIBILITY)
        & (x >= FRAME_MARGIN * width)
        & (x <= (1 - FRAME_MARGIN) * width)
        & (y >= FRAME_MARGIN * height)
        & (y <= (1 - FRAME_MARGIN) * height)
    ).tolist()
    return frozenset(part for part, indices in _PART_LANDMARKS.items() if any(inside[i] for i in indices))


def front_leg(body: Body, previous: str | None) -> str | None:
    """This pose's front leg: the one whose thigh leads, kept from the previous frame until
    the other leads by ``FRONT_SWAP_DEG`` (or alone is seen clearly forward)."""
    guess = body.leading_side
    if not previous or guess is None or guess == previous:
        return guess
    lead = body.hip_flexion(guess) - body.hip_flexion(previous)
    return guess if not math.isfinite(lead) or lead > FRONT_SWAP_DEG else previous


def measure(pose: Pose | None, names: tuple[str, ...], t: float, frame_index: int, previous_front: str = "") -> Metrics:
    """The named measurements of one pose (all NaN and ``visible=False`` without a pose).

    Each is taken from the space it holds in from where the camera stands (see
    ``Measurement.value``); ``previous_front`` is the last frame's front leg (the legs swap
    roles only on a clear lead); ``suspended`` names those the image cannot judge from this view
    and nothing else can stand in for.
    """
    if pose is None:
        return Metrics(t, frame_index, dict.fromkeys(names, NAN), Facing.UNKNOWN, visible=False)
    view = camera_view(pose.world) if pose.world is not None else None
    world = Body(pose.world, pose.visibility, view) if pose.world is not None else None
    image = Body(pose.xy, pose.visibility, view, world)
    # The front leg as the sagittal measurements see it (the image where it shows that
    # plane), decided once: the image and world values blended for a front-leg measurement
    # must be of the same leg.
    roles = image if image_judgeable(Plane.SAGITTAL, view) or world is None else world
    front = front_leg(roles, previous_front)
    for body in (image, world):
        if body is not None:
            body.decided_front = front
    values = {name: MEASUREMENTS[name].value(image, world) for name in names}
    suspended = frozenset(
        name
        for name in names
        if not math.isfinite(values[name])
        and MEASUREMENTS[name].space is not Space.WORLD
        and not image_judgeable(MEASUREMENTS[name].plane, view)
    )
    return Metrics(
        t,
        frame_index,
        values,
        facing_of(image),
        parts_in_frame=parts_in_frame(pose),
        front_side=front or "",
        view=view,
        suspended=suspended,
        others_in_view=pose.others_in_view,
    )
