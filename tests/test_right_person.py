"""With someone else in view the coach stays on the person who set up, says once that someone
else is there, and never counts the other person's moves."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_runner import run_cli
from footage import CLIPS, clip_label, require

from formcoach.checkers import words
from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.loader import find_exercise
from formcoach.pose.tracking import FORGET_AFTER_S, PersonTracker
from formcoach.recording.format import pose_from_json, pose_to_json
from formcoach.types import EventKind, Metrics, Pose

FRAME = (640, 360)


def person(x0: float, y0: float, x1: float, y1: float, t: float = 0.0) -> Pose:
    """A pose filling the box (x0, y0)–(x1, y1): its corners and points spread inside."""
    u = np.linspace(0.0, 1.0, 33)
    xy = np.column_stack((x0 + (x1 - x0) * u, y0 + (y1 - y0) * u[::-1]))
    return Pose(t, round(t * 30), xy, np.ones(33), FRAME)


USER = (400.0, 40.0, 520.0, 340.0)  # large, right of centre
OTHER = (60.0, 150.0, 140.0, 330.0)  # smaller, at the left edge


def boxes(pose: Pose | None) -> tuple[float, float] | None:
    return None if pose is None else (float(pose.xy[:, 0].min()), float(pose.xy[:, 0].max()))


def test_the_tracker_picks_the_largest_most_central_person_then_follows_them() -> None:
    tracker = PersonTracker()
    first = tracker.pick([person(*OTHER), person(*USER)], 0.0)
    assert boxes(first) == (400.0, 520.0) and first is not None and first.others_in_view == 1
    # The other person walks up and grows larger and more central; the model lists them first.
    for i in range(1, 30):
        t = i / 30
        other = person(60 + 6 * i, 150 - 4 * i, 140 + 8 * i, 330 + 0.5 * i, t)
        user = person(400 - 1.0 * i, 40, 520 - 1.0 * i, 340, t)
        picked = tracker.pick([other, user], t)
        assert boxes(picked) == pytest.approx((400 - 1.0 * i, 520 - 1.0 * i))


def test_the_tracker_never_takes_someone_else_while_the_user_is_missed() -> None:
    tracker = PersonTracker()
    tracker.pick([person(*USER), person(*OTHER)], 0.0)
    assert tracker.pick([person(*OTHER, t=1.0)], 1.0) is None  # the user missed: nobody, not the other
    assert tracker.pick([], 1.5) is None
    back = tracker.pick([person(*OTHER, t=2.0), person(*USER, t=2.0)], 2.0)
    assert boxes(back) == (400.0, 520.0)
    # Gone longer than FORGET_AFTER_S: whoever is in view now is the user.
    later = 2.0 + FORGET_AFTER_S + 0.1
    alone = tracker.pick([person(*OTHER, t=later)], later)
    assert boxes(alone) == (60.0, 140.0) and alone is not None and alone.others_in_view == 0


def test_a_second_skeleton_of_the_user_is_not_someone_else() -> None:
    """The model now and then finds the user twice: a partial skeleton inside the full one
    (4 of 18 single-person clips). It is neither someone else nor a reason to lose the user."""
    tracker = PersonTracker()
    partial = person(410, 200, 480, 330)
    first = tracker.pick([partial, person(*USER)], 0.0)
    assert first is not None and boxes(first) == (400.0, 520.0) and first.others_in_view == 0
    # A bad frame: only the partial skeleton, overlapping the user's box by 0.25 but inside it.
    jumped = tracker.pick([person(410, 200, 480, 330, t=0.04)], 0.04)
    assert jumped is not None and jumped.others_in_view == 0


def test_someone_else_in_view_is_said_once_a_session() -> None:
    session = ExerciseSession(find_exercise("squat"))
    said = []
    for i in range(300):  # 10 s with someone else in view all along, then away, then back
        others = 0 if 100 <= i < 200 else 1
        metrics = Metrics(i / 30, i, {}, visible=False, others_in_view=others)
        said += [e for e in session.update(metrics).events if e.key == "someone_else"]
    assert [(e.t, e.kind, e.message) for e in said] == [(0.0, EventKind.SETUP_HINT, words.SOMEONE_ELSE)]


def test_the_recording_keeps_how_many_others_were_in_view() -> None:
    pose = replace(person(*USER), others_in_view=1)
    read = pose_from_json(json.loads(json.dumps(pose_to_json(0.0, 0, pose))))[2]
    assert read is not None and read.others_in_view == 1
    assert np.array_equal(read.xy, pose.xy)
    assert "others" not in pose_to_json(0.0, 0, person(*USER))  # lines stay short for a user alone


SQUATS = "squat__darebee.mp4"  # the user: 8 squats
LUNGES = "reverse_lunge_knee_drive__darebee.mp4"  # someone else beside them: lunges


def side_by_side(out: Path) -> float:
    """The squatter (larger, right) and the lunger (smaller, left) in one video, both cropped
    to the middle of their frames (where each stands); as long as the shorter clip."""
    user, other = cv2.VideoCapture(str(CLIPS / SQUATS)), cv2.VideoCapture(str(CLIPS / LUNGES))
    fps = user.get(cv2.CAP_PROP_FPS)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"MJPG"), fps, (560, 360))
    while True:
        (ok_user, user_image), (ok_other, other_image) = user.read(), other.read()
        if not (ok_user and ok_other):
            break
        left = np.zeros((360, 240, 3), np.uint8)
        left[90:] = cv2.resize(other_image[:, 384:1024], (240, 270))
        writer.write(np.hstack((left, cv2.resize(user_image[:, 384:1024], (320, 360)))))
    writer.release()
    return fps


def test_two_people_in_view_count_only_the_user_and_say_so_once(tmp_path: Path) -> None:
    require(CLIPS / SQUATS)
    require(CLIPS / LUNGES)
    user = clip_label(CLIPS, SQUATS)
    side_by_side(tmp_path / "two.avi")
    rec = tmp_path / "rec"
    result = run_cli(
        "coach", "squat", "--source", str(tmp_path / "two.avi"), "--no-window", "--mute", "--recordings", str(rec),
        "--watch-others",
    )  # fmt: skip
    assert result.code == 0, result.err
    (folder,) = rec.iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert sum(side["reps"] for side in summary["sides"].values()) == user["reps"] == 8
    said = [json.loads(line)["text"] for line in (folder / "said.jsonl").read_text().splitlines()]
    assert said.count(words.SOMEONE_ELSE) == 1
    poses = [json.loads(line) for line in (folder / "poses.jsonl").read_text().splitlines()]
    assert sum(line.get("others", 0) == 1 for line in poses) > 0.9 * len(poses)  # both seen nearly throughout
