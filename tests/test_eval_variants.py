"""Footage variants for eval: the mirror image and every n-th frame, made from a clip's poses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from synthetic import Angles, Camera, make_pose, sequence

from formcoach.checkers.session import ExerciseSession
from formcoach.evaluation.labels import ClipLabel
from formcoach.evaluation.runner import read_ground_truth
from formcoach.evaluation.variants import AS_FILMED, FootageVariant, mirror_pose
from formcoach.exercises.loader import find_exercise
from formcoach.measurements import measure
from formcoach.pipeline import Analyzer, replay
from formcoach.types import EventKind

NAMES = ("left_knee_flexion", "right_knee_flexion", "left_hip_flexion_3d", "right_hip_flexion_3d", "camera_azimuth")


def values(pose):
    return measure(pose, NAMES, pose.t, pose.frame_index).values


def test_a_mirrored_pose_swaps_the_legs_and_the_side_the_camera_stands_at():
    pose = make_pose(
        Angles(left_knee=20.0, right_knee=70.0, left_hip=10.0, right_hip=50.0), camera=Camera(yaw_deg=25.0)
    )
    seen, mirrored = values(pose), values(mirror_pose(pose))
    assert mirrored["left_knee_flexion"] == pytest.approx(seen["right_knee_flexion"], abs=1e-6)
    assert mirrored["right_knee_flexion"] == pytest.approx(seen["left_knee_flexion"], abs=1e-6)
    assert mirrored["left_hip_flexion_3d"] == pytest.approx(50.0, abs=1.0)
    assert mirrored["camera_azimuth"] == pytest.approx(-seen["camera_azimuth"], abs=1e-6)
    assert abs(seen["camera_azimuth"]) > 45  # a side view, the camera at one side and then the other
    twice = mirror_pose(mirror_pose(pose))
    assert (twice.xy == pose.xy).all() and (twice.world == pose.world).all()


def test_the_label_of_the_mirrored_clip_names_the_other_leg():
    label = ClipLabel("c.mp4", Path("c.mp4"), "lunge", True, "right", reps_left=3, reps_right=5, front_leg="left")
    mirrored = FootageVariant(mirrored=True).label(label)
    assert (mirrored.working_side, mirrored.front_leg, mirrored.reps_left, mirrored.reps_right) == (
        "left",
        "right",
        5,
        3,
    )
    assert FootageVariant(frame_step=3).label(label) == label
    assert AS_FILMED.is_original and AS_FILMED.describe() == "as filmed"
    assert FootageVariant(2, True).describe() == "1 frame in 2, mirrored"
    with pytest.raises(ValueError, match="frame step"):
        FootageVariant(frame_step=0)


def test_every_nth_frame_keeps_the_times():
    poses = [(i / 30, i, None) for i in range(10)]
    assert [t for t, _, _ in FootageVariant(frame_step=3).poses(poses)] == [0.0, 0.1, 0.2, 0.3]


def test_the_ground_truth_in_the_mirror(tmp_path):
    csv = tmp_path / "gt.csv"
    csv.write_text("# truth\nframe,knee_L,knee_R,hip_flex_L,hip_flex_R,pelvis_obliquity\n0,170,90,5,80,4\n")
    plain, mirrored = read_ground_truth(csv, "right")[0], read_ground_truth(csv, "left", mirrored=True)[0]
    assert (plain["left_knee_flexion"], plain["right_knee_flexion"], plain["front_knee_flexion"]) == (10, 90, 90)
    assert (mirrored["left_knee_flexion"], mirrored["right_knee_flexion"]) == (90, 10)
    assert mirrored["front_knee_flexion"] == 90  # the same front leg, now the left one
    assert (plain["pelvis_tilt"], mirrored["pelvis_tilt"]) == (4, -4)


def test_the_coach_says_the_same_of_a_stretch_filmed_from_either_side():
    # A left-leg strap hamstring stretch with its hip lifting for 5 s, and its mirror image
    # coached as the right leg: the same cues at the same times, the same hold.
    good = Angles(left_hip=75.0, left_knee=5.0, right_hip=0.0, right_knee=5.0)
    lifted = replace(good, pelvis_roll=12.0)
    keyframes = [(0.0, good), (10.0, good), (11.0, lifted), (15.0, lifted), (16.0, good), (40.0, good)]
    poses = sequence(keyframes, fps=15.0, posture="supine", facing="left")
    exercise = find_exercise("strap_hamstring_stretch")

    def coached(side, clip):
        session = ExerciseSession(exercise, (side,))
        steps = list(replay(clip, Analyzer(session)))
        said = [(round(e.t, 2), e.kind, e.key) for s in steps for e in s.update.events if e.kind != EventKind.ADVICE]
        return said, round(steps[-1].update.hold_s, 2)

    said, held = coached("left", poses)
    assert ("pelvis_level" in {key for _, _, key in said}) and held > 20
    assert coached("right", FootageVariant(mirrored=True).poses(poses)) == (said, held)
