"""Synthetic skeletons with exactly known joint angles (a test helper, not a test module).

``make_pose`` builds the 33 BlazePose landmarks by forward kinematics in 3-D from segment
lengths and joint angles, places the body in the world by posture and facing, and projects
it into the image (orthographic by default, optionally a simple pinhole perspective).

Conventions (the same as ``formcoach.measurements``, so a generated angle is what the
registry should read back):

* World coordinates follow MediaPipe's world landmarks: metres, origin at the mid-hip,
  x toward the image's right, y down, z away from the camera.
* Every leg angle is relative to the **trunk** (mid-hip → mid-shoulder line), as the
  measurements define it: ``hip`` 0° when the thigh continues the trunk line, + when the
  knee moves toward the front of the body (where the nose is), − behind it. ``knee`` is the
  angle between thigh and shank (0 straight). ``abduction`` moves the thigh sideways,
  away from the midline (exact as measured while the pelvis is level and the trunk not
  leaning sideways). ``rotation`` turns the shank and foot about the thigh's long axis
  (hip rotation; + external: with the knee bent the foot swings toward the midline, as in
  a figure-four or soles-together sit; 0 leaves the leg exactly as without it).
  ``trunk_lean`` tips the trunk, and with it the legs, forward about
  the hips; with ``legs_follow_trunk=False`` the legs keep their posture-frame directions
  instead, so the measured hip flexion becomes ``hip + trunk_lean``. ``trunk_side`` tips
  the trunk toward the person's left. ``pelvis_tilt`` moves the left hip toward the head
  (up, standing) and the right hip away, without moving the trunk or the legs' directions.
  ``pelvis_roll`` turns the pelvis and both legs about the body's long axis through the hip
  that stays put, the left hip coming forward for + (lying on the back: lifted off the
  floor, the right hip down), the right for −; the trunk stays, so the hips' midpoint moves.
* Postures and facings:

  ========== ======================================================================
  standing   upright; ``facing`` left/right = side-on with the face toward the image's
             left/right; ``camera`` = chest toward the camera.
  kneeling   same orientation as standing (give the knees their flexion); the lowest
             landmark (knee or foot) is put on the floor line.
  supine     lying on the back, chest up; ``facing`` left/right = head toward the
             image's left/right; ``camera`` = feet toward the camera (feet-end view).
  side_lying lying on one side, chest toward the camera; ``facing`` left/right = head
             toward the image's left/right (head left: lying on the right side);
             ``camera`` = feet toward the camera, lying on the left side.
  ========== ======================================================================

* In side views (the hip line points mostly toward the camera) the far leg and arm get
  ``far_visibility``; everything else gets ``visibility``.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from formcoach.landmarks import NUM_LANDMARKS, Landmark, sided
from formcoach.types import Frame, Pose

LM = Landmark
SIDES = ("left", "right")
POSTURES = ("standing", "kneeling", "supine", "side_lying")
FACINGS = ("left", "right", "camera")


@dataclass(frozen=True)
class Segments:
    """Segment lengths in metres (an adult of about 1.75 m)."""

    hip_half_width: float = 0.10
    trunk: float = 0.50  # mid-hip → mid-shoulder
    shoulder_half_width: float = 0.19
    neck: float = 0.20  # mid-shoulder → nose, along the trunk
    nose_forward: float = 0.11  # nose in front of the shoulder line
    thigh: float = 0.43
    shank: float = 0.42
    heel_back: float = 0.06
    toe_forward: float = 0.15
    foot_drop: float = 0.06  # sole below the ankle
    upper_arm: float = 0.30
    forearm: float = 0.26
    hand: float = 0.08


@dataclass(frozen=True)
class Angles:
    """Joint angles in degrees (see the module docstring for the conventions)."""

    left_hip: float = 0.0
    right_hip: float = 0.0
    left_knee: float = 0.0
    right_knee: float = 0.0
    left_abduction: float = 0.0
    right_abduction: float = 0.0
    left_ankle: float = 0.0  # dorsiflexion from a right-angle foot
    right_ankle: float = 0.0
    left_shoulder: float = 10.0  # arm flexion from hanging along the trunk
    right_shoulder: float = 10.0
    left_elbow: float = 20.0
    right_elbow: float = 20.0
    trunk_lean: float = 0.0
    trunk_side: float = 0.0
    pelvis_tilt: float = 0.0
    pelvis_roll: float = 0.0
    left_rotation: float = 0.0  # hip rotation about the thigh's long axis, + external
    right_rotation: float = 0.0

    def leg(self, side: str, joint: str) -> float:
        return float(getattr(self, f"{side}_{joint}"))

    def mirrored(self) -> Angles:
        """The same pose with left and right legs/arms swapped."""
        swapped = {}
        for f in fields(self):
            if f.name.startswith("left_"):
                swapped[f.name] = getattr(self, "right_" + f.name[5:])
            elif f.name.startswith("right_"):
                swapped[f.name] = getattr(self, "left_" + f.name[6:])
        mirrored_trunk = {
            "trunk_side": -self.trunk_side,
            "pelvis_tilt": -self.pelvis_tilt,
            "pelvis_roll": -self.pelvis_roll,
        }
        return replace(self, **swapped, **mirrored_trunk)


def angles(**kwargs: float) -> Angles:
    """``Angles`` with shorthands: ``knee=90`` / ``hip=`` / ``abduction=`` set both legs."""
    values: dict[str, float] = {}
    for name, value in kwargs.items():
        if name in ("knee", "hip", "abduction", "ankle", "shoulder", "elbow", "rotation"):
            values[f"left_{name}"] = value
            values[f"right_{name}"] = value
        else:
            values[name] = value
    return Angles(**values)


def lerp_angles(a: Angles, b: Angles, u: float) -> Angles:
    return Angles(**{f.name: (1 - u) * getattr(a, f.name) + u * getattr(b, f.name) for f in fields(Angles)})


@dataclass(frozen=True)
class Camera:
    """Image size and projection. ``px_per_m`` None: fit a 1.9 m body in 80 % of the
    shorter image side. ``distance_m`` None: orthographic; else a pinhole at that distance
    from the mid-hip plane. ``yaw_deg`` turns the body about the vertical before viewing
    (an oblique view)."""

    image_wh: tuple[int, int] = (640, 480)
    px_per_m: float | None = None
    distance_m: float | None = None
    yaw_deg: float = 0.0
    floor_frac: float = 0.92  # the lowest landmark sits this far down the image
    centre_x_frac: float = 0.5

    @property
    def scale(self) -> float:
        return self.px_per_m if self.px_per_m is not None else 0.8 * min(self.image_wh) / 1.9


def _unit(v: np.ndarray) -> np.ndarray:
    return v / float(np.linalg.norm(v))


def _rotate(v: np.ndarray, axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rodrigues rotation of ``v`` about unit ``axis``."""
    k = _unit(axis)
    th = math.radians(degrees)
    return v * math.cos(th) + np.cross(k, v) * math.sin(th) + k * float(np.dot(k, v)) * (1 - math.cos(th))


def body_axes(posture: str, facing: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(anterior, superior, left) unit vectors of the unrotated body in world coordinates."""
    if posture not in POSTURES:
        raise ValueError(f"posture must be one of {POSTURES}")
    if facing not in FACINGS:
        raise ValueError(f"facing must be one of {FACINGS}")
    x, y, z = np.eye(3)
    if posture in ("standing", "kneeling"):
        up = -y
        anterior = {"left": -x, "right": x, "camera": -z}[facing]
    elif posture == "supine":
        anterior = -y
        up = {"left": -x, "right": x, "camera": z}[facing]
    else:  # side_lying
        up = {"left": -x, "right": x, "camera": z}[facing]
        anterior = -z if facing != "camera" else x
    # World axes: x right, y down, z away; with y down the body's left is up × anterior.
    left = np.cross(up, anterior)
    return anterior, up, left


def skeleton_3d(
    a: Angles,
    posture: str = "standing",
    facing: str = "left",
    seg: Segments = Segments(),
    legs_follow_trunk: bool = True,
) -> np.ndarray:
    """The 33 landmarks in world coordinates (metres, mid-hip at the origin), by
    forward kinematics."""
    A0, U0, L0 = body_axes(posture, facing)
    # Trunk frame: lean forward (superior tips toward anterior), then toward the left.
    lean, side_lean = math.radians(a.trunk_lean), math.radians(a.trunk_side)
    U_f = math.cos(lean) * U0 + math.sin(lean) * A0
    A_t = math.cos(lean) * A0 - math.sin(lean) * U0
    U_t = math.cos(side_lean) * U_f + math.sin(side_lean) * L0
    L_t = math.cos(side_lean) * L0 - math.sin(side_lean) * U_f
    # Pelvis: the hip line of the unleaned body, tilted about the anterior axis (left hip
    # toward the head for +); trunk lean does not move it.
    pelvis_left = math.cos(math.radians(a.pelvis_tilt)) * L0 + math.sin(math.radians(a.pelvis_tilt)) * U0
    if legs_follow_trunk:
        A_l, U_l, L_l = A_t, U_t, L_t
    else:
        A_l, U_l, L_l = A0, U0, L0

    p = np.zeros((NUM_LANDMARKS, 3))
    sign = {"left": 1.0, "right": -1.0}
    for side in SIDES:
        s = sign[side]
        hip = s * seg.hip_half_width * pelvis_left
        f, k = math.radians(a.leg(side, "hip")), math.radians(a.leg(side, "knee"))
        ab, ank = math.radians(a.leg(side, "abduction")), math.radians(a.leg(side, "ankle"))
        thigh_sag = math.cos(f) * (-U_l) + math.sin(f) * A_l
        back = -(math.cos(f) * A_l + math.sin(f) * U_l)  # ⟂ thigh, toward the back of the leg
        thigh = math.cos(ab) * thigh_sag + math.sin(ab) * s * L_l
        shank = math.cos(k) * thigh + math.sin(k) * back
        front_of_shank = math.sin(k) * thigh - math.cos(k) * back  # ⟂ shank, toward the toes
        rotation = a.leg(side, "rotation")
        if rotation:  # external (+) swings the bent knee's foot toward the midline
            shank = _rotate(shank, thigh, -s * rotation)
            front_of_shank = _rotate(front_of_shank, thigh, -s * rotation)
        foot = math.cos(ank) * front_of_shank + math.sin(ank) * (-shank)  # dorsiflexion lifts the toes
        sole = math.cos(ank) * shank + math.sin(ank) * front_of_shank  # ⟂ foot, toward the sole
        knee = hip + seg.thigh * thigh
        ankle = knee + seg.shank * shank
        p[sided(side, "hip")] = hip
        p[sided(side, "knee")] = knee
        p[sided(side, "ankle")] = ankle
        p[sided(side, "heel")] = ankle - seg.heel_back * foot + seg.foot_drop * sole
        p[sided(side, "foot_index")] = ankle + seg.toe_forward * foot + seg.foot_drop * sole

    if a.pelvis_roll:
        # A hip lifted off the floor: the pelvis and legs turn about the long axis through
        # the other hip, which stays down.
        pivot = p[sided("right" if a.pelvis_roll > 0 else "left", "hip")].copy()
        legs = [sided(side, part) for side in SIDES for part in ("hip", "knee", "ankle", "heel", "foot_index")]
        for index in legs:
            p[index] = pivot + _rotate(p[index] - pivot, U0, -a.pelvis_roll)

    mid_shoulder = seg.trunk * U_t
    for side in SIDES:
        s = sign[side]
        shoulder = mid_shoulder + s * seg.shoulder_half_width * L_t
        fl, el = math.radians(a.leg(side, "shoulder")), math.radians(a.leg(side, "elbow"))
        upper = math.cos(fl) * (-U_t) + math.sin(fl) * A_t
        upper = _unit(upper + 0.1 * s * L_t)
        up_front = _unit(A_t - float(np.dot(A_t, upper)) * upper)
        forearm = math.cos(el) * upper + math.sin(el) * up_front
        elbow = shoulder + seg.upper_arm * upper
        wrist = elbow + seg.forearm * forearm
        p[sided(side, "shoulder")] = shoulder
        p[sided(side, "elbow")] = elbow
        p[sided(side, "wrist")] = wrist
        p[sided(side, "index")] = wrist + seg.hand * forearm
        p[sided(side, "pinky")] = wrist + 0.8 * seg.hand * forearm + 0.03 * s * L_t
        p[sided(side, "thumb")] = wrist + 0.5 * seg.hand * forearm + 0.03 * A_t - 0.02 * s * L_t

    nose = mid_shoulder + seg.neck * U_t + seg.nose_forward * A_t
    p[LM.NOSE] = nose
    for side in SIDES:
        s = sign[side]
        eye_base = nose + 0.035 * U_t - 0.02 * A_t
        p[sided(side, "eye_inner")] = eye_base + 0.015 * s * L_t
        p[sided(side, "eye")] = eye_base + 0.032 * s * L_t
        p[sided(side, "eye_outer")] = eye_base + 0.048 * s * L_t
        p[sided(side, "ear")] = nose + 0.02 * U_t - 0.10 * A_t + 0.075 * s * L_t
    p[LM.MOUTH_LEFT] = nose - 0.035 * U_t - 0.01 * A_t + 0.025 * L_t
    p[LM.MOUTH_RIGHT] = nose - 0.035 * U_t - 0.01 * A_t - 0.025 * L_t
    return p


LEFT_PARTS = [lm for lm in Landmark if lm.name.startswith("LEFT_")]
RIGHT_PARTS = [lm for lm in Landmark if lm.name.startswith("RIGHT_")]


def make_pose(
    a: Angles | None = None,
    posture: str = "standing",
    facing: str = "left",
    camera: Camera = Camera(),
    t: float = 0.0,
    frame_index: int = 0,
    visibility: float = 0.99,
    far_visibility: float = 0.9,
    visibility_overrides: Mapping[int, float] | None = None,
    legs_follow_trunk: bool = True,
    seg: Segments = Segments(),
    with_world: bool = True,
) -> Pose:
    """A ``Pose`` of the skeleton with joint angles ``a`` (pixels, world metres, visibility)."""
    a = a or Angles()
    body = skeleton_3d(a, posture, facing, seg, legs_follow_trunk)
    if camera.yaw_deg:
        body = np.array([_rotate(v, np.array([0.0, -1.0, 0.0]), camera.yaw_deg) for v in body])
    mid_hip = (body[LM.LEFT_HIP] + body[LM.RIGHT_HIP]) / 2
    world = body - mid_hip

    if camera.distance_m is None:
        plane = world[:, :2]
    else:
        depth = camera.distance_m + world[:, 2]
        plane = world[:, :2] * (camera.distance_m / depth)[:, None]
    width, height = camera.image_wh
    xy = plane * camera.scale
    xy[:, 0] += camera.centre_x_frac * width - (xy[:, 0].min() + xy[:, 0].max()) / 2
    xy[:, 1] += camera.floor_frac * height - xy[:, 1].max()

    vis = np.full(NUM_LANDMARKS, float(visibility))
    # Side view: the hip line points mostly along the camera axis; the far side is the one
    # further away (larger z).
    hip_line = world[LM.LEFT_HIP] - world[LM.RIGHT_HIP]
    if abs(hip_line[2]) > abs(hip_line[0]) and abs(hip_line[2]) > abs(hip_line[1]):
        far = LEFT_PARTS if hip_line[2] > 0 else RIGHT_PARTS
        vis[far] = far_visibility
    for index, value in (visibility_overrides or {}).items():
        vis[int(index)] = value
    return Pose(
        t=t,
        frame_index=frame_index,
        xy=xy,
        visibility=vis,
        image_wh=camera.image_wh,
        world=world if with_world else None,
    )


Keyframe = tuple[float, Angles]


def interpolate(keyframes: Sequence[Keyframe], t: float) -> Angles:
    """Angles at ``t`` by linear interpolation (held constant outside the keyframes)."""
    if not keyframes:
        raise ValueError("no keyframes")
    times = [k[0] for k in keyframes]
    if any(b < a for a, b in itertools.pairwise(times)):
        raise ValueError("keyframe times must not decrease")
    if t <= times[0]:
        return keyframes[0][1]
    for (t0, a0), (t1, a1) in itertools.pairwise(keyframes):
        if t0 <= t <= t1:
            return a1 if t1 == t0 else lerp_angles(a0, a1, (t - t0) / (t1 - t0))
    return keyframes[-1][1]


def sequence(
    keyframes: Sequence[Keyframe],
    fps: float = 30.0,
    duration: float | None = None,
    gaps: Iterable[tuple[float, float]] = (),
    start_t: float = 0.0,
    **pose_kwargs: object,
) -> list[tuple[float, int, Pose | None]]:
    """``(t, frame_index, pose)`` at ``fps`` from ``start_t`` to the last keyframe (or
    ``duration``), for ``pipeline.replay``. Inside any ``gaps`` interval [t0, t1) the pose
    is None (lost)."""
    end = duration if duration is not None else keyframes[-1][0]
    n = math.floor((end - start_t) * fps + 1e-9) + 1
    gaps = list(gaps)
    out: list[tuple[float, int, Pose | None]] = []
    for i in range(n):
        t = start_t + i / fps
        if any(g0 <= t < g1 for g0, g1 in gaps):
            out.append((t, i, None))
            continue
        out.append((t, i, make_pose(interpolate(keyframes, t), t=t, frame_index=i, **pose_kwargs)))  # type: ignore[arg-type]
    return out


def concat(*parts: Sequence[Keyframe]) -> list[Keyframe]:
    """Chain keyframe lists, shifting each to start where the previous one ended."""
    out: list[Keyframe] = []
    offset = 0.0
    for part in parts:
        base = part[0][0]
        for t, a in part:
            out.append((offset + t - base, a))
        offset = out[-1][0]
    return out


def repeat(cycle: Sequence[Keyframe], times: int) -> list[Keyframe]:
    """``cycle`` (which should end as it starts) played ``times`` times back to back."""
    return concat(*([cycle] * times))


class ScriptedEstimator:
    """A pose estimator that hands out prepared poses by frame index, busy for ``work_s``
    per frame like the real model (busy, not asleep: inference holds a core)."""

    def __init__(self, poses: dict[int, Pose | None], work_s: float = 0.0) -> None:
        self.poses = poses
        self.work_s = work_s

    def estimate(self, frame: Frame) -> Pose | None:
        deadline = time.perf_counter() + self.work_s
        while time.perf_counter() < deadline:
            pass
        return self.poses.get(frame.index)

    def close(self) -> None:
        pass


class Frames:
    """A frame source of ``count`` black frames at 30 fps (poses come from the estimator)."""

    fps, size, name, frame_count = 30.0, (64, 48), "synthetic", None

    def __init__(self, count: int) -> None:
        self.count = count

    def __iter__(self) -> Iterator[Frame]:
        image = np.zeros((48, 64, 3), dtype=np.uint8)
        return (Frame(i, i / self.fps, image) for i in range(self.count))

    def close(self) -> None:
        pass
