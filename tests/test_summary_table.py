"""The summary table printed at the end of a session."""

from __future__ import annotations

import pytest

from formcoach.cli import print_summary


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
