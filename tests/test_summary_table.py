"""The summary table printed at the end of a session."""

from __future__ import annotations

import pytest

from formcoach.cli.common import print_summary
from formcoach.exercises.loader import find_exercise
from formcoach.summary import build_summary
from formcoach.types import COUNT, Event, EventKind


def summary(reps: list[dict[str, object]]) -> dict[str, object]:
    return {
        "name": "Lunge",
        "duration_s": 28.0,
        "sides": {
            "left": {"reps": 3, "sets": [], "hold_s": 0.0, "hold_target_s": None},
            "right": {"reps": 0, "sets": [], "hold_s": 0.0, "hold_target_s": None},
        },
        "reps": reps,
        "cues": [],
    }


def test_reps_are_shown_by_the_leg_that_did_them_when_the_pose_says(capsys: pytest.CaptureFixture[str]) -> None:
    legs = ["left", "right", "left"]
    print_summary(summary([{"side": "left", "set": 1, "rep": i + 1, "leg": leg} for i, leg in enumerate(legs)]))
    out = capsys.readouterr().out
    assert "by leg" in out
    assert "2 left, 1 right" in out


def test_no_leg_column_for_exercises_that_do_not_tell_legs_apart(capsys: pytest.CaptureFixture[str]) -> None:
    print_summary(summary([{"side": "left", "set": 1, "rep": i + 1, "leg": ""} for i in range(3)]))
    assert "by leg" not in capsys.readouterr().out


def test_a_bilateral_row_leaves_the_leg_blank_and_a_sided_one_names_each_leg(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bridge = summary([{"side": "both", "set": 1, "rep": i + 1, "leg": leg} for i, leg in enumerate(["left", ""])])
    bridge["sides"] = {"both": {"reps": 2, "sets": [], "hold_s": 0.0, "hold_target_s": None}}
    print_summary(bridge)
    out = capsys.readouterr().out
    assert "unknown" not in out and "1 left" not in out
    lunge = summary([{"side": "left", "set": 1, "rep": i + 1, "leg": leg} for i, leg in enumerate(["left", ""])])
    print_summary(lunge)
    assert "1 left, 1 unknown" in capsys.readouterr().out


def test_the_summary_holds_only_the_sides_that_were_coached() -> None:
    lunge = find_exercise("lunge")
    assert lunge.sides == ("left", "right")
    events = [Event(2.0, EventKind.REP_DONE, "rep", "One", COUNT, "left", {"rep": 1, "leg": "right"})]
    built = build_summary(lunge, events, {"left": 0.5}, 0.0, 3.0)
    assert list(built["sides"]) == ["left"]
    assert built["sides"]["left"]["reps"] == 1
    both = build_summary(lunge, events, {"right": 0.0, "left": 0.5}, 0.0, 3.0)
    assert list(both["sides"]) == ["left", "right"]  # in the exercise's order, each begun
