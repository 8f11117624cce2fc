"""The scorer on hand-made outcomes with known answers, and the label reader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcoach.errors import FormcoachError
from formcoach.evaluation.labels import ClipLabel, Fault, load_labels
from formcoach.evaluation.score import ClipOutcome, aggregate, score_clip


def label(**overrides: object) -> ClipLabel:
    base: dict[str, object] = {
        "file": "clip.mp4",
        "video": Path("clip.mp4"),
        "coach_as": "lunge",
        "usable": True,
        "working_side": "right",
        "reps": 8,
        "reps_accept": (7, 8),
    }
    base.update(overrides)
    return ClipLabel(**base)  # type: ignore[arg-type]


def outcome(reps: int = 8, legs: tuple[str, ...] = (), **overrides: object) -> ClipOutcome:
    """An outcome with ``reps`` reps ending at 1 s, 2 s, …; ``legs`` names each rep's leg."""
    rep_times = tuple((float(i + 1), legs[i] if legs else "") for i in range(reps))
    base: dict[str, object] = {
        "file": "clip.mp4",
        "exercise": "lunge",
        "rep_times": rep_times,
        "hold_s": 0.0,
        "cues": (),
        "duration_s": 60.0,
        "detection_rate": 1.0,
        "fps": 50.0,
    }
    base.update(overrides)
    return ClipOutcome(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("counted", "exact", "within", "obo", "nae"),
    [
        (8, True, True, True, 0.0),
        (7, False, True, True, 0.125),
        (6, False, False, False, 0.25),
        (9, False, False, True, 0.125),
    ],
)
def test_rep_metrics(counted: int, exact: bool, within: bool, obo: bool, nae: float) -> None:
    score = score_clip(label(), outcome(reps=counted), hold_exercise=False)
    assert (score.exact, score.within_accept, score.off_by_one) == (exact, within, obo)
    assert score.normalised_error == pytest.approx(nae)


def test_zero_rep_label_still_scores_a_false_count() -> None:
    score = score_clip(label(reps=0, reps_accept=(0, 0)), outcome(reps=2), hold_exercise=True)
    assert score.normalised_error == 2.0
    assert not score.within_accept


def test_fault_caught_late_within_two_seconds_and_missed_after() -> None:
    faults = (Fault("torso_upright", 10.0, 12.0), Fault("front_knee_90", 20.0, 22.0), Fault("pelvis_level", 30.0, 31.0))
    cues = ((13.5, "torso_upright"), (24.5, "front_knee_90"), (30.5, "trunk_lean"))
    score = score_clip(label(faults=faults), outcome(cues=cues), hold_exercise=False)
    assert [f.caught for f in score.faults] == [True, False, False]
    assert score.faults[0].latency_s == pytest.approx(3.5)
    # 24.5 is outside every fault window (20–24); 30.5 is inside one: only one false cue.
    assert score.false_cues == 1
    assert score.false_cues_per_min == pytest.approx(1.0)


def test_cues_in_excluded_intervals_are_not_false() -> None:
    score = score_clip(
        label(exclude_intervals=((0.0, 5.0),)), outcome(cues=((2.0, "x"), (50.0, "y"))), hold_exercise=False
    )
    assert score.false_cues == 1


def test_hold_error_against_target_holds() -> None:
    score = score_clip(label(target_holds=((0.0, 20.0), (27.0, 37.0))), outcome(hold_s=28.5), hold_exercise=True)
    assert score.hold_label_s == 30.0
    assert score.hold_error_s == pytest.approx(1.5)


def test_alternating_moves_are_scored_per_side() -> None:
    legs = ("left", "right", "right", "left", "right", "right", "right")
    score = score_clip(label(reps_left=3, reps_right=4), outcome(reps=7, legs=legs), False)
    assert score.side_counts == {"left": (2, 3), "right": (5, 4)}


def test_reps_ending_in_an_excluded_interval_are_not_counted() -> None:
    score = score_clip(label(reps=8, exclude_intervals=((7.5, 9.0),)), outcome(reps=9), False)
    assert score.reps == 7  # the 8th and 9th rep end inside the fade
    assert score.off_by_one


def test_aggregate_over_clips() -> None:
    scores = [
        score_clip(label(), outcome(reps=8), False),
        score_clip(label(), outcome(reps=6, cues=((1.0, "x"),), duration_s=30.0), False),
    ]
    agg = aggregate(scores)
    assert (agg.exact_rate, agg.within_accept_rate, agg.off_by_one_rate) == (0.5, 0.5, 0.5)
    assert agg.mean_normalised_error == pytest.approx(0.125)
    assert agg.false_cues_per_min == pytest.approx(1 / 1.5)


def test_labels_clip_without_coach_as_is_kept_as_skipped(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text(
        '[[clip]]\nfile = "a.mp4"\nreps = 3\n\n[[clip]]\nfile = "b.mp4"\ncoach_as = "squat"\n'
        'working_side = "both"\nreps = 2\nreps_accept = [2, 2]\n'
    )
    clips = load_labels(path)
    assert [(c.file, c.coach_as) for c in clips] == [("a.mp4", None), ("b.mp4", "squat")]


def test_labels_missing_required_field_names_the_clip(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"
    path.write_text('[[clip]]\nfile = "c.mp4"\ncoach_as = "squat"\nworking_side = "both"\nreps = 2\n')
    with pytest.raises(FormcoachError, match=r"clip c\.mp4: missing required field 'reps_accept'"):
        load_labels(path)


def test_rep_clips_and_hold_clips_are_scored_apart_and_by_camera_offset() -> None:
    # A hold clip counting its 0 reps is no counting success; a hold within 1 s is.
    reps_ok = score_clip(label(camera_offset_deg=10.0), outcome(reps=8), hold_exercise=False)
    reps_off = score_clip(label(camera_offset_deg=-38.0), outcome(reps=3), hold_exercise=False)
    held = score_clip(
        label(reps=0, reps_accept=(0, 0), target_holds=((0.0, 20.0),), camera_offset_deg=-38.0),
        outcome(reps=0, hold_s=20.8),
        hold_exercise=True,
    )
    short = score_clip(
        label(reps=0, reps_accept=(0, 0), target_holds=((0.0, 20.0),), camera_offset_deg=44.0),
        outcome(reps=0, hold_s=18.5),
        hold_exercise=True,
    )
    agg = aggregate([reps_ok, reps_off, held, short])
    assert (agg.rep_clips, agg.rep_clips_within_accept) == (2, 1)
    assert (agg.hold_clips, agg.holds_within_tolerance) == (2, 1)
    assert agg.within_accept_rate == pytest.approx(0.5)  # over the rep clips only
    assert [s.bucket for s in (reps_ok, reps_off, held, short)] == ["0–15°", "30–45°", "30–45°", "30–45°"]
    assert score_clip(label(), outcome(), hold_exercise=False).bucket == ""  # no camera in the label
