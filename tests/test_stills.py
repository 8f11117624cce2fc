"""Labelled stills of real people (../shared/clips/stills): the end position of an exercise
is judged in position by its exercise file, the start position is not.

"In position" is what the file itself says: a hold's setup conditions and blocking rules
all pass, a rep's metric is past its end threshold (or, for a start still, back past its
start). One pose per still, each from a fresh landmarker. Stills of other variants than
the file describes are left out; known misses are strict xfails with their reason.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from footage import CLIPS, require

from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import ExerciseDef
from formcoach.measurements import measure
from formcoach.pose.models import resolve_model
from formcoach.types import Frame, Metrics

pytestmark = pytest.mark.clips

STILLS = CLIPS / "stills"
END, START = True, False
CASES = [
    ("butterfly__sworkit__butterflystretch_end.jpg", "butterfly", END),
    ("figure_four_stretch__sworkit__ankleonknee_end.jpg", "supine_figure_four", END),
    ("glute_bridge__sworkit__bridgepose_end.jpg", "glute_bridge", END),
    ("glute_bridge__sworkit__hipraise_end.jpg", "glute_bridge", END),
    ("glute_bridge__sworkit__bridgepose_start.jpg", "glute_bridge", START),
    ("glute_bridge__sworkit__hipraise_start.jpg", "glute_bridge", START),
    ("hip_flexor_stretch__sworkit__hipflexorstretch_end.jpg", "kneeling_hip_flexor_stretch", END),
    ("hip_flexor_stretch__sworkit__kneelinghipflexor_end.jpg", "kneeling_hip_flexor_stretch", END),
    ("hip_flexor_stretch__sworkit__kneelinghipflexor_start.jpg", "kneeling_hip_flexor_stretch", START),
    ("knee_to_chest__sworkit__kneetochest_end.jpg", "knee_to_chest", END),
    ("knee_to_chest__sworkit__kneetochest_start.jpg", "knee_to_chest", START),
    ("lunge__sworkit__lunge_end.jpg", "lunge", END),
    ("reverse_lunge__sworkit__rearlunges_end.jpg", "lunge", END),
    ("seated_hamstring_stretch__sworkit__seatedhamstringstretch_end.jpg", "seated_hamstring_stretch", END),
    ("squat__sworkit__squats_end.jpg", "squat", END),
    ("squat__sworkit__squats_start.jpg", "squat", START),
    ("supine_hamstring_stretch__sworkit__singleleghamstring_end.jpg", "strap_hamstring_stretch", END),
    ("supine_leg_circles__sworkit__onelegcircles_end.jpg", "single_leg_circles", END),
    ("low_lunge__sworkit__lowlungeleft_end.jpg", "low_lunge", END),
    ("pigeon__sworkit__pigeonposeleft_end.jpg", "pigeon", END),
]
# Left out: the hurdler stretch (one knee bent, seen from the front) and the single-leg
# lying twist are other variants than seated_hamstring_stretch and supine_twist describe;
# the side-lying kick stills are labelled as not at the peak; wall sit, leg lifts and the
# single-leg bridge have no exercise file.
KNOWN_MISSES = {
    "low_lunge__sworkit__lowlungeleft_end.jpg": "the far (front) knee is hidden behind the arm: front knee unknown",
    "pigeon__sworkit__pigeonposeleft_end.jpg": "folded flat over the front shin: both knees below visibility 0.5",
}


def in_position(exercise: ExerciseDef, metrics: Metrics, end: bool) -> bool:
    """Whether ``metrics`` show the (side-bound) exercise's end position, or its start."""
    if exercise.reps is not None:
        value = metrics.get(exercise.reps.metric)
        return exercise.reps.past_end(value) if end else exercise.reps.past_start(value)
    setup_ok = all(c.minimum <= metrics.get(c.metric) <= c.maximum for c in exercise.setup.conditions)
    blocking = [rule for rule in exercise.rules if rule.blocking and not rule.relative]
    return setup_ok and all(rule.judge(metrics.get(rule.metric)) for rule in blocking)


def judged(file: str, exercise_id: str, end: bool) -> bool:
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

    image = cv2.imread(str(require(STILLS / file)))
    assert image is not None, file
    with MediaPipePoseEstimator(resolve_model("full")) as estimator:
        pose = estimator.estimate(Frame(0, 0.0, image))
    assert pose is not None, f"nobody found in {file}"
    exercise = find_exercise(exercise_id)
    sides = [exercise.for_side(side) for side in exercise.sides]
    return any(in_position(bound, measure(pose, bound.metric_names(), 0.0, 0), end) for bound in sides)


@pytest.mark.parametrize(
    ("file", "exercise_id", "end"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(reason=KNOWN_MISSES[case[0]], strict=True))
        if case[0] in KNOWN_MISSES
        else case
        for case in CASES
    ],
    ids=[case[0].split("__")[0] + "/" + Path(case[0]).stem.split("__")[-1] for case in CASES],
)
def test_end_stills_are_in_position_and_start_stills_are_not(file: str, exercise_id: str, end: bool) -> None:
    if end:
        assert judged(file, exercise_id, END), f"{exercise_id} does not see its end position in {file}"
    else:
        assert not judged(file, exercise_id, END), f"{exercise_id} sees its end position in the start still {file}"
        exercise = find_exercise(exercise_id)
        if exercise.reps is not None:
            assert judged(file, exercise_id, START), f"{exercise_id} does not see its start position in {file}"
