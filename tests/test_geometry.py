"""Geometry primitives and the measurement registry on synthetic poses with known angles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic import Angles, Camera, Segments, angles, make_pose

from formcoach import geometry as g
from formcoach.landmarks import Landmark
from formcoach.measurements import MEASUREMENTS, Unit, measure
from formcoach.types import Facing

TOL = 1.0  # degrees
ALL = tuple(MEASUREMENTS)
SIDE_FACINGS = ("left", "right")
OTHER = {"left": "right", "right": "left"}


def values(pose, names=ALL):
    return measure(pose, tuple(names), pose.t, pose.frame_index).values


def suffix(space: str) -> str:
    return "_3d" if space == "3d" else ""


# -- geometry primitives -----------------------------------------------------------------


def test_angle_between_basic_and_degenerate():
    assert g.angle_between(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert g.angle_between(np.array([1.0, 1.0]), np.array([-1.0, -1.0])) == pytest.approx(180.0)
    assert g.angle_between(np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])) == pytest.approx(45.0)
    assert math.isnan(g.angle_between(np.array([0.0, 0.0]), np.array([1.0, 0.0])))
    assert math.isnan(g.angle_between(np.array([np.nan, 0.0]), np.array([1.0, 0.0])))


def test_included_angle_straight_line_is_180():
    a, v, c = np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([2.0, 2.0])
    assert g.included_angle(a, v, c) == pytest.approx(180.0)
    assert g.included_angle(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([1.0, 0.0])) == pytest.approx(90.0)


def test_angle_from_vertical_uses_image_up():
    hip = np.array([100.0, 200.0])
    assert g.angle_from_vertical(hip, np.array([100.0, 100.0])) == pytest.approx(0.0)  # straight up
    assert g.angle_from_vertical(hip, np.array([200.0, 200.0])) == pytest.approx(90.0)
    assert g.angle_from_vertical(hip, np.array([100.0, 300.0])) == pytest.approx(180.0)
    assert g.angle_from_vertical(hip, np.array([110.0, 190.0])) == pytest.approx(45.0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0.0, 10.0), (10.0, 10.0), 0.0),
        ((0.0, 0.0), (10.0, 10.0), 45.0),  # b lower (y down) → a higher → +
        ((0.0, 10.0), (10.0, 0.0), -45.0),
        ((0.0, 0.0, 0.0), (3.0, 1.0, 4.0), math.degrees(math.atan2(1.0, 5.0))),
    ],
)
def test_tilt_from_horizontal(a, b, expected):
    assert g.tilt_from_horizontal(np.array(a), np.array(b)) == pytest.approx(expected)


def test_tilt_from_horizontal_nan_when_points_coincide():
    assert math.isnan(g.tilt_from_horizontal(np.array([1.0, 1.0]), np.array([1.0, 1.0])))


def test_signed_angle_and_perpendicular_component():
    down = np.array([0.0, 1.0])
    front = np.array([1.0, 0.0])
    assert g.signed_angle(down, np.array([1.0, 1.0]), front) == pytest.approx(45.0)
    assert g.signed_angle(down, np.array([-1.0, 1.0]), front) == pytest.approx(-45.0)
    assert math.isnan(g.signed_angle(down, np.array([1.0, 1.0]), np.array([np.nan, 0.0])))
    perp = g.perpendicular_component(np.array([3.0, 4.0]), np.array([0.0, 2.0]))
    np.testing.assert_allclose(perp, [3.0, 0.0])
    assert np.isnan(g.perpendicular_component(np.array([3.0, 4.0]), np.zeros(2))).all()


# -- the synthetic skeleton itself ---------------------------------------------------------


@pytest.mark.parametrize("facing", SIDE_FACINGS)
def test_synthetic_nose_is_forward_and_in_frame(facing):
    pose = make_pose(angles(hip=30, knee=60), facing=facing)
    nose_x = pose.xy[Landmark.NOSE, 0]
    shoulder_x = pose.xy[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], 0].mean()
    assert (nose_x < shoulder_x) == (facing == "left")
    width, height = pose.image_wh
    assert (pose.xy >= 0).all()
    assert (pose.xy[:, 0] <= width).all()
    assert (pose.xy[:, 1] <= height).all()
    np.testing.assert_allclose(
        (pose.world[Landmark.LEFT_HIP] + pose.world[Landmark.RIGHT_HIP]) / 2, 0.0, atol=1e-12
    )  # world is hip-centred
    assert pose.world[Landmark.NOSE, 1] < pose.world[Landmark.LEFT_HIP, 1]  # y down: head is above


# -- joint angles ------------------------------------------------------------------------


@pytest.mark.parametrize("space", ["2d", "3d"])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("leg", ["left", "right"])
@pytest.mark.parametrize("knee", [0.0, 45.0, 90.0, 120.0])
def test_knee_flexion(knee, leg, facing, space):
    other = OTHER[leg]
    a = Angles(**{f"{leg}_knee": knee, f"{leg}_hip": 20.0, f"{other}_knee": 60.0, f"{other}_hip": -5.0})
    v = values(make_pose(a, facing=facing))
    assert v[f"{leg}_knee_flexion{suffix(space)}"] == pytest.approx(knee, abs=TOL)
    assert v[f"{other}_knee_flexion{suffix(space)}"] == pytest.approx(60.0, abs=TOL)


# The world landmarks' straight-knee offset (MediaPipe reads a straight knee ~10° bent) is
# undone in the world reading only: 10° below 25° read, fading to nothing at 45°.
@pytest.mark.parametrize(
    ("knee", "world"), [(5.0, 0.0), (10.0, 0.0), (20.0, 10.0), (35.0, 30.0), (45.0, 45.0), (90.0, 90.0)]
)
def test_world_knee_reading_undoes_the_models_straight_knee(knee, world):
    v = values(make_pose(Angles(left_knee=knee, right_knee=60.0), facing="left"))
    assert v["left_knee_flexion"] == pytest.approx(knee, abs=TOL)
    assert v["left_knee_flexion_3d"] == pytest.approx(world, abs=TOL)


@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("knee", [0.0, 45.0, 90.0, 120.0])
def test_knee_flexion_both_legs_lying(knee, facing):
    v = values(make_pose(angles(knee=knee, hip=45.0), posture="supine", facing=facing))
    for name in ("left_knee_flexion", "right_knee_flexion", "knee_flexion", "left_knee_flexion_3d"):
        assert v[name] == pytest.approx(knee, abs=TOL), name


@pytest.mark.parametrize("space", ["2d", "3d"])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("leg", ["left", "right"])
@pytest.mark.parametrize("hip", [-20.0, 0.0, 30.0, 90.0])
def test_hip_flexion_sign(hip, leg, facing, space):
    a = Angles(**{f"{leg}_hip": hip, f"{leg}_knee": 30.0})
    v = values(make_pose(a, facing=facing))
    measured = v[f"{leg}_hip_flexion{suffix(space)}"]
    assert measured == pytest.approx(hip, abs=TOL)
    if hip:
        assert math.copysign(1, measured) == math.copysign(1, hip)


@pytest.mark.parametrize("facing", SIDE_FACINGS)
def test_hip_flexion_sign_lying(facing):
    # Supine, the nose still decides "forward": thigh toward the ceiling is flexion.
    v = values(make_pose(Angles(left_hip=60.0, right_hip=-10.0), posture="supine", facing=facing))
    assert v["left_hip_flexion"] == pytest.approx(60.0, abs=TOL)
    assert v["right_hip_flexion"] == pytest.approx(-10.0, abs=TOL)


@pytest.mark.parametrize("space", ["2d", "3d"])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("lean", [0.0, 15.0, 30.0, 60.0])
def test_trunk_lean_side_view(lean, facing, space):
    v = values(make_pose(angles(trunk_lean=lean, hip=lean), facing=facing, legs_follow_trunk=False))
    assert v[f"trunk_lean{suffix(space)}"] == pytest.approx(lean, abs=TOL)
    # Legs kept vertical while the trunk tips forward: the hip is flexed by the lean.
    assert v[f"left_hip_flexion{suffix(space)}"] == pytest.approx(2 * lean, abs=TOL)


@pytest.mark.parametrize("side_lean", [-20.0, 10.0])
def test_trunk_lean_sideways_front_view(side_lean):
    v = values(make_pose(Angles(trunk_side=side_lean), facing="camera"))
    assert v["trunk_lean"] == pytest.approx(abs(side_lean), abs=TOL)
    assert v["trunk_lean_3d"] == pytest.approx(abs(side_lean), abs=TOL)
    # Leaning toward the left drops the left shoulder.
    assert v["shoulder_tilt"] == pytest.approx(-side_lean, abs=TOL)
    assert v["pelvis_tilt"] == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize("facing", SIDE_FACINGS)
def test_trunk_lean_lying_is_90(facing):
    pose = make_pose(angles(hip=45, knee=90), posture="supine", facing=facing)
    v = values(pose)
    assert v["trunk_lean"] == pytest.approx(90.0, abs=TOL)
    assert v["trunk_lean_3d"] == pytest.approx(90.0, abs=TOL)
    assert measure(pose, (), 0.0, 0).facing is Facing.LYING


@pytest.mark.parametrize("space", ["2d", "3d"])
@pytest.mark.parametrize("tilt", [-15.0, -5.0, 5.0, 15.0])
def test_pelvis_tilt_sign(tilt, space):
    pose = make_pose(Angles(pelvis_tilt=tilt), facing="camera")
    left_higher = pose.xy[Landmark.LEFT_HIP, 1] < pose.xy[Landmark.RIGHT_HIP, 1]
    assert left_higher == (tilt > 0)  # the generator did what it says
    measured = values(pose)[f"pelvis_tilt{suffix(space)}"]
    assert measured == pytest.approx(tilt, abs=TOL)
    assert (measured > 0) == left_higher


@pytest.mark.parametrize(("left", "right"), [(30.0, -10.0), (90.0, 0.0), (-15.0, 45.0), (20.0, 20.0)])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
def test_thigh_angle_side_view(left, right, facing):
    v = values(make_pose(Angles(left_hip=left, right_hip=right, left_knee=40.0), facing=facing))
    assert v["thigh_angle"] == pytest.approx(abs(left - right), abs=TOL)
    assert v["thigh_angle_3d"] == pytest.approx(abs(left - right), abs=TOL)


@pytest.mark.parametrize(("left", "right"), [(0.0, 0.0), (30.0, 10.0), (45.0, 45.0)])
def test_hip_abduction_and_thigh_angle_front_view(left, right):
    v = values(make_pose(Angles(left_abduction=left, right_abduction=right), facing="camera"))
    assert v["left_hip_abduction"] == pytest.approx(left, abs=TOL)
    assert v["right_hip_abduction"] == pytest.approx(right, abs=TOL)
    assert v["left_hip_abduction_3d"] == pytest.approx(left, abs=TOL)
    assert v["thigh_angle"] == pytest.approx(left + right, abs=TOL)


def test_hip_abduction_side_on_comes_from_the_world_landmarks():
    # Side-on the hips overlap in the image: the frontal-plane angle is not judged there, and
    # the world landmarks stand in for it; without them it is suspended, not guessed.
    pose = make_pose(Angles(left_abduction=30.0), facing="left")
    metrics = measure(pose, ("left_hip_abduction",), 0.0, 0)
    assert metrics.values["left_hip_abduction"] == pytest.approx(30.0, abs=TOL)
    no_world = make_pose(Angles(left_abduction=30.0), facing="left", with_world=False)
    blind = measure(no_world, ("left_hip_abduction",), 0.0, 0)
    assert math.isnan(blind.values["left_hip_abduction"])


@pytest.mark.parametrize("posture", ["standing", "supine"])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("hip", [0.0, 45.0, 90.0])
def test_knee_hip_shoulder(hip, facing, posture):
    v = values(make_pose(angles(hip=hip, knee=70.0), posture=posture, facing=facing))
    for name in ("left_knee_hip_shoulder", "right_knee_hip_shoulder", "knee_hip_shoulder"):
        assert v[name] == pytest.approx(180.0 - hip, abs=TOL), name


@pytest.mark.parametrize("hip", [0.0, 45.0])
def test_knee_hip_shoulder_3d_is_independent_of_shoulder_width(hip):
    # Measured against the trunk line, so shoulders wider than the hips (the realistic
    # build: 0.09 m each side) do not bend a straight body.
    for seg in (Segments(shoulder_half_width=Segments().hip_half_width), Segments()):
        v = values(make_pose(angles(hip=hip, knee=70.0), posture="supine", facing="left", seg=seg))
        assert v["knee_hip_shoulder_3d"] == pytest.approx(180.0 - hip, abs=TOL)


@pytest.mark.parametrize("space", ["2d", "3d"])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
@pytest.mark.parametrize("forward_leg", ["left", "right"])
def test_front_back_roles_follow_the_forward_leg(forward_leg, facing, space):
    back_leg = OTHER[forward_leg]
    a = Angles(
        **{
            f"{forward_leg}_hip": 45.0,
            f"{forward_leg}_knee": 85.0,
            f"{back_leg}_hip": -15.0,
            f"{back_leg}_knee": 100.0,
        }
    )
    pose = make_pose(a, facing=facing)
    m = measure(pose, ALL, 0.0, 0)
    assert m.front_side == forward_leg
    s = suffix(space)
    assert m.values[f"front_knee_flexion{s}"] == pytest.approx(85.0, abs=TOL)
    assert m.values[f"back_knee_flexion{s}"] == pytest.approx(100.0, abs=TOL)
    assert m.values[f"front_hip_flexion{s}"] == pytest.approx(45.0, abs=TOL)
    assert m.values[f"back_hip_flexion{s}"] == pytest.approx(-15.0, abs=TOL)


def test_front_role_swaps_when_the_other_leg_steps_forward():
    first = Angles(left_hip=40.0, left_knee=90.0, right_hip=-10.0, right_knee=30.0)
    m1 = measure(make_pose(first, facing="right"), ALL, 0.0, 0)
    m2 = measure(make_pose(first.mirrored(), facing="right"), ALL, 0.0, 0)
    assert (m1.front_side, m2.front_side) == ("left", "right")
    for m in (m1, m2):
        assert m.values["front_knee_flexion"] == pytest.approx(90.0, abs=TOL)
        assert m.values["back_knee_flexion"] == pytest.approx(30.0, abs=TOL)


@pytest.mark.parametrize(
    ("landmark", "gone", "kept"),
    [
        (
            Landmark.LEFT_KNEE,
            ["left_knee_flexion", "left_knee_flexion_3d", "left_hip_flexion", "front_knee_flexion"],
            ["right_knee_flexion", "knee_flexion", "trunk_lean"],
        ),
        (Landmark.LEFT_ANKLE, ["left_knee_flexion", "left_shin_angle"], ["left_hip_flexion", "right_knee_flexion"]),
        (
            Landmark.NOSE,
            ["left_hip_flexion", "right_hip_flexion", "front_knee_flexion"],
            ["left_knee_flexion", "trunk_lean"],
        ),
        (
            Landmark.RIGHT_SHOULDER,
            ["trunk_lean", "left_hip_flexion", "shoulder_tilt"],
            ["left_knee_flexion", "pelvis_tilt_3d"],
        ),
        (Landmark.RIGHT_HIP, ["pelvis_tilt", "trunk_lean", "right_knee_flexion"], ["left_knee_flexion"]),
    ],
)
def test_nan_when_a_needed_landmark_is_not_visible(landmark, gone, kept):
    pose = make_pose(
        Angles(left_hip=30.0, left_knee=60.0, right_knee=20.0),
        facing="camera" if landmark is Landmark.RIGHT_HIP else "left",
        visibility_overrides={landmark: 0.49},
    )
    v = values(pose)
    for name in gone:
        assert math.isnan(v[name]), name
    for name in kept:
        assert math.isfinite(v[name]), name


def test_visibility_threshold_is_inclusive_at_half():
    a = Angles(left_knee=60.0)
    at = values(make_pose(a, visibility_overrides={Landmark.LEFT_KNEE: 0.5}))
    below = values(make_pose(a, visibility_overrides={Landmark.LEFT_KNEE: 0.499}))
    assert at["left_knee_flexion"] == pytest.approx(60.0, abs=TOL)
    assert math.isnan(below["left_knee_flexion"])


def test_a_hidden_knee_still_counts_for_the_knees_height_difference():
    # The far knee in supine hip shifting seen 31° off the feet end reads visibility 0.43-0.55
    # while placed right: the swing measured against the person's own range keeps it, a joint
    # angle does not.
    a = Angles(left_hip=60.0, right_hip=20.0, left_knee=60.0, right_knee=20.0)
    seen = values(make_pose(a, facing="camera"))
    hidden = values(make_pose(a, facing="camera", visibility_overrides={Landmark.RIGHT_KNEE: 0.45}))
    gone = values(make_pose(a, facing="camera", visibility_overrides={Landmark.RIGHT_KNEE: 0.29}))
    assert seen["knee_height_diff"] > 0.3  # the left knee, lifted further, is higher
    assert hidden["knee_height_diff"] == pytest.approx(seen["knee_height_diff"], abs=1e-9)
    assert hidden["knee_height_gap"] == pytest.approx(abs(seen["knee_height_diff"]), abs=1e-9)
    assert math.isnan(hidden["right_knee_flexion"])
    assert math.isnan(gone["knee_height_diff"])


def test_the_legs_keep_their_roles_until_the_other_thigh_clearly_leads():
    # A hidden back knee misplaced beside the front one makes its thigh lead by up to 25°
    # on a frame: the front leg stays. A new front leg in an alternating lunge leads by far more.
    names = ("front_knee_flexion", "back_knee_flexion")
    misread = make_pose(Angles(left_hip=85.0, right_hip=105.0, left_knee=90.0, right_knee=150.0))
    kept = measure(misread, names, 0.0, 0, previous_front="left")
    assert kept.front_side == "left"
    assert kept.values["front_knee_flexion"] == pytest.approx(90.0, abs=TOL)
    assert kept.values["back_knee_flexion"] == pytest.approx(150.0, abs=TOL)
    assert measure(misread, names, 0.0, 0).front_side == "right"  # no history: the leading thigh
    lunge = make_pose(Angles(left_hip=-5.0, right_hip=80.0, left_knee=60.0, right_knee=90.0))
    swapped = measure(lunge, names, 0.0, 0, previous_front="left")
    assert swapped.front_side == "right"
    assert swapped.values["front_knee_flexion"] == pytest.approx(90.0, abs=TOL)


def test_near_leg_is_read_for_bilateral_measurements():
    # The far (right, facing left) leg is hard to see and bent differently: the bilateral
    # knee_flexion must read the near leg.
    a = Angles(left_knee=70.0, right_knee=20.0)
    v = values(make_pose(a, facing="left", far_visibility=0.6))
    assert v["knee_flexion"] == pytest.approx(70.0, abs=TOL)
    v = values(make_pose(a, facing="right", far_visibility=0.6))
    assert v["knee_flexion"] == pytest.approx(20.0, abs=TOL)


def test_far_leg_below_threshold_is_nan_but_near_leg_is_read():
    a = Angles(left_knee=70.0, right_knee=20.0, left_hip=10.0)
    v = values(make_pose(a, facing="left", far_visibility=0.3))
    assert math.isnan(v["right_knee_flexion"])
    assert v["left_knee_flexion"] == pytest.approx(70.0, abs=TOL)
    assert math.isnan(v["front_knee_flexion"])  # roles need both thighs


@pytest.mark.parametrize("image_wh", [(1280, 720), (720, 1280), (1920, 1080)])
@pytest.mark.parametrize("facing", SIDE_FACINGS)
def test_angles_on_non_square_images(image_wh, facing):
    a = Angles(left_hip=45.0, left_knee=90.0, right_hip=-10.0, right_knee=30.0, trunk_lean=10.0)
    pose = make_pose(a, facing=facing, camera=Camera(image_wh))
    assert pose.image_wh == image_wh
    v = values(pose)
    assert v["left_knee_flexion"] == pytest.approx(90.0, abs=TOL)
    assert v["right_knee_flexion"] == pytest.approx(30.0, abs=TOL)
    assert v["left_hip_flexion"] == pytest.approx(45.0, abs=TOL)
    assert v["trunk_lean"] == pytest.approx(10.0, abs=TOL)
    # The same angle computed on normalised coordinates is far off: the test is sensitive.
    norm = pose.xy / np.array(image_wh, dtype=float)
    wrong = 180.0 - g.included_angle(norm[Landmark.LEFT_HIP], norm[Landmark.LEFT_KNEE], norm[Landmark.LEFT_ANKLE])
    assert abs(wrong - 90.0) > 5.0


@pytest.mark.parametrize("yaw", [-35.0, 25.0])
def test_world_angles_are_view_independent(yaw):
    a = Angles(left_hip=50.0, left_knee=80.0, right_hip=-10.0, right_knee=15.0)
    pose = make_pose(a, facing="left", camera=Camera(yaw_deg=yaw))
    v = values(pose)
    assert v["left_knee_flexion_3d"] == pytest.approx(80.0, abs=TOL)
    assert v["left_hip_flexion_3d"] == pytest.approx(50.0, abs=TOL)
    assert v["front_knee_flexion_3d"] == pytest.approx(80.0, abs=TOL)
    assert abs(v["left_knee_flexion"] - 80.0) > 1.0  # the image angle is foreshortened


def test_perspective_projection_keeps_in_plane_knee_angle():
    a = Angles(left_hip=40.0, left_knee=90.0)
    v = values(make_pose(a, facing="left", camera=Camera(distance_m=3.0)))
    assert v["left_knee_flexion"] == pytest.approx(90.0, abs=TOL)


@pytest.mark.parametrize(
    ("posture", "facing", "expected"),
    [
        ("standing", "left", Facing.LEFT),
        ("standing", "right", Facing.RIGHT),
        ("standing", "camera", Facing.CAMERA),
        ("kneeling", "left", Facing.LEFT),
        ("supine", "left", Facing.LYING),
        ("supine", "right", Facing.LYING),
        ("side_lying", "left", Facing.LYING),
    ],
)
def test_facing(posture, facing, expected):
    a = angles(knee=90.0) if posture == "kneeling" else Angles()
    assert measure(make_pose(a, posture=posture, facing=facing), (), 0.0, 0).facing is expected


def test_parts_in_frame_drops_parts_outside_the_image():
    pose = make_pose(Angles(), facing="left")
    m = measure(pose, (), 0.0, 0)
    assert {"nose", "shoulder", "hip", "knee", "ankle", "heel", "foot_index"} <= m.parts_in_frame
    # Feet below the bottom edge: a camera too close.
    low = make_pose(Angles(), facing="left", camera=Camera(floor_frac=1.1))
    parts = measure(low, (), 0.0, 0).parts_in_frame
    assert "ankle" not in parts
    assert "foot_index" not in parts
    assert "shoulder" in parts


def test_measure_without_pose_is_all_nan():
    m = measure(None, ("left_knee_flexion", "trunk_lean"), 1.5, 7)
    assert m.visible is False
    assert m.facing is Facing.UNKNOWN
    assert all(math.isnan(x) for x in m.values.values())
    assert (m.t, m.frame_index) == (1.5, 7)


def test_world_measurements_nan_without_world_landmarks():
    pose = make_pose(angles(knee=45.0), with_world=False)
    v = values(pose, ("left_knee_flexion", "left_knee_flexion_3d"))
    assert v["left_knee_flexion"] == pytest.approx(45.0, abs=TOL)
    assert math.isnan(v["left_knee_flexion_3d"])


def test_world_only_measurements_have_no_image_twin():
    world_only = {"pelvis_rotation_3d", "hip_sway_depth_3d", "left_ankle_depth_3d", "right_ankle_depth_3d"}
    for name in MEASUREMENTS:
        if name.endswith("_3d"):
            assert (name[:-3] in MEASUREMENTS) == (name not in world_only), name
    assert "pelvis_rotation" not in MEASUREMENTS
    assert "hip_sway_depth" not in MEASUREMENTS
    assert "left_ankle_depth" not in MEASUREMENTS  # depth is only known in world space


@pytest.mark.parametrize(
    ("unit", "value", "written", "gap", "steady"),
    [
        (Unit.DEG, 87.6, "88°", 5.0, 10.0),
        (Unit.DEG, -0.3, "0°", 5.0, 10.0),  # a straight hip on screen read "hip -0°"
        (Unit.HIP_WIDTHS, 0.347, "0.35 hip widths", 0.05, 0.1),
        (Unit.HIP_WIDTHS, -0.004, "0.00 hip widths", 0.05, 0.1),
    ],
)
def test_a_unit_writes_and_scales_itself(unit: Unit, value: float, written: str, gap: float, steady: float) -> None:
    assert unit.written(value) == written
    assert unit.rep_gap == gap
    assert unit.steady_rate == steady
    assert all(isinstance(m.unit, Unit) for m in MEASUREMENTS.values())
