"""The summary table printed at the end of a session."""

from __future__ import annotations

import pytest

from formcoach.cli.common import print_summary
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import Kind
from formcoach.summary import RepRecord, SideResult, Summary, build_summary
from formcoach.types import COUNT, Event, EventKind


def summary(side: str, legs: list[str]) -> Summary:
    reps = tuple(RepRecord(side, 1, i + 1, float(i), i + 0.8, leg) for i, leg in enumerate(legs))
    return Summary("lunge", "Lunge", Kind.REPS, 28.0, 1.0, {side: SideResult(reps=len(reps))}, reps)


def test_reps_are_shown_by_the_leg_that_did_them_when_the_pose_says(capsys: pytest.CaptureFixture[str]) -> None:
    legs = ["left", "right", "left"]
    print_summary(summary("left", legs))
    out = capsys.readouterr().out
    assert "by leg" in out
    assert "2 left, 1 right" in out


def test_no_leg_column_for_exercises_that_do_not_tell_legs_apart(capsys: pytest.CaptureFixture[str]) -> None:
    print_summary(summary("left", ["", "", ""]))
    assert "by leg" not in capsys.readouterr().out


def test_a_bilateral_row_leaves_the_leg_blank_and_a_sided_one_names_each_leg(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_summary(summary("both", ["left", ""]))
    out = capsys.readouterr().out
    assert "unknown" not in out and "1 left" not in out
    print_summary(summary("left", ["left", ""]))
    assert "1 left, 1 unknown" in capsys.readouterr().out


def test_the_summary_holds_only_the_sides_that_were_coached() -> None:
    lunge = find_exercise("lunge")
    assert lunge.sides == ("left", "right")
    events = [Event(2.0, EventKind.REP_DONE, "rep", "One", COUNT, "left", {"rep": 1, "leg": "right"})]
    built = build_summary(lunge, events, {"left": 0.5}, 0.0, 3.0)
    assert list(built.sides) == ["left"]
    assert built.sides["left"].reps == 1
    both = build_summary(lunge, events, {"right": 0.0, "left": 0.5}, 0.0, 3.0)
    assert list(both.sides) == ["left", "right"]  # in the exercise's order, each begun


def test_the_summary_reads_back_what_it_wrote_and_refuses_a_damaged_one() -> None:
    bridge = find_exercise("glute_bridge")
    events = [
        Event(1.0, EventKind.START, "start", "Go", COUNT, "both"),
        Event(2.5, EventKind.REP_DONE, "rep", "One", COUNT, "both", {"rep": 1, "set": 1, "start_s": 1.2}),
        Event(3.0, EventKind.RULE_FAIL, "bridge_line", "Lift your hips.", COUNT, "both"),
    ]
    built = build_summary(bridge, events, {"both": 1.25}, 0.0, 4.0)
    data = built.to_json()
    assert data["format"] == "formcoach-summary" and data["kind"] == "reps"
    assert data["sides"]["both"] == {"reps": 1, "sets": [], "hold_s": 1.25, "hold_target_s": None, "cycles": {}}
    assert data["reps"] == [{"side": "both", "set": 1, "rep": 1, "start_s": 1.2, "end_s": 2.5, "leg": ""}]
    assert Summary.from_json(data) == built
    del data["sides"]["both"]["reps"]
    with pytest.raises(KeyError):
        Summary.from_json(data)
