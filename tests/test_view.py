"""The camera-view estimate on bodies with known cameras, and the placement guidance built on it."""

from __future__ import annotations

import itertools
import math

import pytest
from synthetic import Angles, Camera, make_pose, sequence

from formcoach.checkers.session import ExerciseSession
from formcoach.checkers.setup import REPEAT_S, placement_hint, view_problem
from formcoach.exercises.loader import find_exercise
from formcoach.measurements import measure
from formcoach.pipeline import Analyzer, replay
from formcoach.types import EventKind
from formcoach.view import CameraView, Posture, camera_view, offset_from, wrap_deg

# (posture, facing) → the azimuth the synthetic camera sees it from, unturned. Standing side-on
# facing the image's left puts the body's left side toward the camera (−90°); lying on the
# back with the head to the image's left puts the camera at the body's right (+90°).
SQUARE = {
    ("standing", "left"): -90.0,
    ("standing", "right"): 90.0,
    ("standing", "camera"): 0.0,
    ("supine", "left"): 90.0,
    ("supine", "right"): -90.0,
    ("supine", "camera"): 0.0,
    ("side_lying", "left"): 0.0,
}
POSTURES = {"standing": Posture.UPRIGHT, "supine": Posture.ON_BACK, "side_lying": Posture.ON_SIDE}


@pytest.mark.parametrize(("posture", "facing"), list(SQUARE))
@pytest.mark.parametrize("yaw", [0.0, 20.0, -35.0, 45.0])
def test_azimuth_follows_a_turned_camera(posture: str, facing: str, yaw: float) -> None:
    pose = make_pose(Angles(left_hip=20.0, left_knee=30.0), posture=posture, facing=facing, camera=Camera(yaw_deg=yaw))
    assert pose.world is not None
    view = camera_view(pose.world)
    assert view is not None
    assert view.posture is POSTURES[posture]
    # Turning the body by +yaw about the vertical moves the camera round it by +yaw.
    assert wrap_deg(view.azimuth_deg - (SQUARE[posture, facing] + yaw)) == pytest.approx(0.0, abs=0.5)


def test_a_left_right_swap_does_not_turn_the_body_round() -> None:
    pose = make_pose(Angles(), facing="camera")
    assert pose.world is not None
    swapped = pose.world.copy()
    for left, right in ((11, 12), (23, 24)):  # shoulders and hips mislabelled
        swapped[[left, right]] = swapped[[right, left]]
    view = camera_view(swapped)
    assert view is not None and abs(view.azimuth_deg) == pytest.approx(0.0, abs=0.5)


def test_azimuth_is_a_registered_measurement_and_unknown_without_world_landmarks() -> None:
    pose = make_pose(Angles(), facing="right", camera=Camera(yaw_deg=-30.0))
    values = measure(pose, ("camera_azimuth", "camera_elevation"), 0.0, 0).values
    assert values["camera_azimuth"] == pytest.approx(60.0, abs=0.5)
    assert values["camera_elevation"] == pytest.approx(0.0, abs=0.5)
    blind = measure(make_pose(Angles(), with_world=False), ("camera_azimuth",), 0.0, 0)
    assert math.isnan(blind.values["camera_azimuth"])


def test_offsets_wrap_round_the_circle() -> None:
    assert offset_from(170.0, (-90.0, 90.0)) == pytest.approx(80.0)
    assert offset_from(-170.0, (0.0,)) == pytest.approx(-170.0)
    assert offset_from(-100.0, (90.0, -90.0)) == pytest.approx(-10.0)


@pytest.mark.parametrize(
    ("azimuth", "expected"),
    [
        (20.0, "Turn to your left, side-on to the camera, or move the camera to your right."),
        (160.0, "Turn to your right, side-on to the camera, or move the camera to your left."),
        (-30.0, "Turn a little to your right, side-on to the camera, or move the camera a little to your left."),
    ],
)
def test_an_upright_body_is_told_which_way_to_turn(azimuth: float, expected: str) -> None:
    couch = find_exercise("couch_stretch")
    view = CameraView(Posture.UPRIGHT, azimuth, 5.0)
    assert view_problem(couch, view) == expected


def test_a_lying_body_is_told_where_to_move_the_camera() -> None:
    bridge = find_exercise("glute_bridge")
    near_feet = CameraView(Posture.ON_BACK, 20.0, 10.0)  # the side view is wanted, ±45°
    assert view_problem(bridge, near_feet) == "Move the camera toward your head, level with your hips."
    near_head = CameraView(Posture.ON_BACK, -160.0, 10.0)
    assert view_problem(bridge, near_head) == "Move the camera toward your feet, level with your hips."
    assert view_problem(bridge, CameraView(Posture.ON_BACK, 50.0, 10.0)) == ""  # 40° off: inside the range
    assert view_problem(bridge, CameraView(Posture.UPRIGHT, 90.0, 0.0)).startswith("Lie down")
    hint = placement_hint(CameraView(Posture.ON_SIDE, 70.0, 0.0), bridge.view, 70.0)
    assert hint == "Move the camera toward your feet, level with your chest."


def test_the_couch_stretch_coaches_43_degrees_off_the_side_and_hints_beyond() -> None:
    # Kneeling is upright; camera 43° toward the front: coached. 75° toward the front: told to turn,
    # and again every REPEAT_S while nothing changes, so the session is never silent.
    pose = Angles(left_hip=-10.0, left_knee=150.0, right_hip=90.0, right_knee=90.0)

    def setup_hints(yaw: float) -> tuple[list[float], bool]:
        session = ExerciseSession(find_exercise("couch_stretch"), ("left",))
        frames = sequence([(0.0, pose), (25.0, pose)], fps=10.0, facing="left", camera=Camera(yaw_deg=yaw))
        steps = list(replay(frames, Analyzer(session)))
        hints = [e.t for s in steps for e in s.update.events if e.kind is EventKind.SETUP_HINT]
        started = any(e.kind is EventKind.START for s in steps for e in s.update.events)
        return hints, started

    hints, started = setup_hints(-43.0)
    assert started and hints == []
    hints, started = setup_hints(-75.0)
    assert not started
    assert hints[0] == 0.0
    assert len(hints) >= 3 and all(b - a == pytest.approx(REPEAT_S, abs=0.11) for a, b in itertools.pairwise(hints))


def test_a_side_lying_body_gets_no_placement_from_an_untrusted_azimuth() -> None:
    # Side-lying renders read 30–75° off the true camera, so no turn or move is asked for.
    clamshell = find_exercise("clamshell")
    assert view_problem(clamshell, CameraView(Posture.ON_SIDE, 80.0, 0.0)) == ""
    assert view_problem(clamshell, CameraView(Posture.UPRIGHT, 0.0, 0.0)).startswith("Lie down")
