"""Ground truth for the measurements that read a leg by its role (eval's angle errors)."""

from __future__ import annotations

import pytest

from formcoach.evaluation.runner import AngleErrors, with_roles
from formcoach.exercises.loader import find_exercise
from formcoach.types import CheckerUpdate, CoachPhase, Metrics, RuleResult, Step
from tests.synthetic import make_pose


def test_front_and_back_legs_take_their_sides_truth_and_a_split_stance_has_no_bilateral_truth() -> None:
    truth = with_roles({"left_knee_flexion": 150.0, "right_knee_flexion": 90.0}, front_leg="right")
    assert truth["front_knee_flexion"] == 90.0
    assert truth["back_knee_flexion"] == 150.0
    assert "knee_flexion" not in truth


def test_a_bilateral_move_is_judged_against_both_legs_mean() -> None:
    truth = with_roles({"left_knee_flexion": 80.0, "right_knee_flexion": 90.0}, front_leg="")
    assert truth["knee_flexion"] == pytest.approx(85.0)
    assert "front_knee_flexion" not in truth


def _step(frame: int, values: dict[str, float], results: tuple[RuleResult, ...] = ()) -> Step:
    t = frame / 30
    update = CheckerUpdate(t, frame, "lunge", "both", CoachPhase.START, 0, 1, 0.0, results, ())
    return Step(None, None, make_pose(t=t, frame_index=frame), Metrics(t, frame, values), update)


def test_the_judged_angles_are_scored_on_the_frame_their_rule_judged() -> None:
    # A lunge's knee and torso rules judge the rep's deepest frame when the rep closes.
    truth = {
        10: {"front_knee_flexion": 90.0, "trunk_lean": 2.0, "left_knee_flexion": 90.0},
        20: {"front_knee_flexion": 10.0, "trunk_lean": 0.0, "left_knee_flexion": 10.0},
    }
    errors = AngleErrors(truth, find_exercise("lunge"))
    deepest = {"front_knee_flexion": 88.0, "trunk_lean": 5.0, "left_knee_flexion": 60.0}
    errors(_step(10, deepest))
    closed = (
        RuleResult("front_knee_90", 88.0, True, judged_frame=10),
        RuleResult("torso_upright", 5.0, True, judged_frame=10),
    )
    errors(_step(20, {"front_knee_flexion": 40.0, "trunk_lean": 9.0, "left_knee_flexion": 40.0}, closed))
    # Against frame 10's truth (not frame 20's); the left knee, which no rule reads, not at all.
    assert errors.judged_mae() == {"knee_flexion": 2.0, "trunk_lean": 3.0}


def test_a_rule_not_judged_in_a_frame_is_not_scored() -> None:
    errors = AngleErrors({5: {"front_knee_flexion": 90.0}}, find_exercise("lunge"))
    errors(_step(5, {"front_knee_flexion": 60.0}, (RuleResult("front_knee_90", 60.0, None),)))
    assert errors.judged_mae() == {}
