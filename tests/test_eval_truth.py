"""Ground truth for the measurements that read a leg by its role (eval's angle errors)."""

from __future__ import annotations

import pytest

from formcoach.evaluation.runner import with_roles


def test_front_and_back_legs_take_their_sides_truth_and_a_split_stance_has_no_bilateral_truth() -> None:
    truth = with_roles({"left_knee_flexion": 150.0, "right_knee_flexion": 90.0}, front_leg="right")
    assert truth["front_knee_flexion"] == 90.0
    assert truth["back_knee_flexion"] == 150.0
    assert "knee_flexion" not in truth


def test_a_bilateral_move_is_judged_against_both_legs_mean() -> None:
    truth = with_roles({"left_knee_flexion": 80.0, "right_knee_flexion": 90.0}, front_leg="")
    assert truth["knee_flexion"] == pytest.approx(85.0)
    assert "front_knee_flexion" not in truth
