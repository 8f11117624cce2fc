"""The coach on every labelled clip that names a library exercise: counts within
`reps_accept`, holds within 1 s of `target_holds`, every labelled fault cued. From
../shared/renders-wide (other bodies, cameras up to 45° off the asked view) a few clips with
the cameras furthest round; `formcoach eval` scores the whole set as a benchmark.

Known misses are listed with the reason found (see the issue notes); they are strict xfails,
so fixing one makes this file say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from footage import CLIPS, RENDERS, RENDERS_WIDE

from formcoach.evaluation.labels import ClipLabel, load_labels
from formcoach.evaluation.runner import evaluate_clips
from formcoach.evaluation.score import ClipScore, score_clip
from formcoach.exercises.loader import load_library
from formcoach.pose.models import resolve_model

# The first test also runs the module's fixture, the pose model over all 33 clips: 495 s on a
# fresh Debian sharing 2 cores, over the suite's 600 s limit when the machine is busier (26
# errors there). The limit is for a hang; this one is measured work.
pytestmark = [pytest.mark.clips, pytest.mark.slow, pytest.mark.timeout(1800)]

KNOWN_MISSES = {
    "hip_circles__pfc.mp4": "3 of 4 circles: the hips trace a narrow ellipse in a three-quarter view",
    "squat__wahoo.mp4": "the label counts 3 squats in a close-up with the feet cropped; the coach asks to step back "
    "there by design (7 are in full view, as the label's notes say)",
    "pigeon__pfc.mp4": "2.8 s held in an upright pigeon the label does not count as the target position",
    "supine_hip_shifting__render_A.mp4": "10 of 12 shifts: from the wall the knees drop out of view for "
    "over a second at a time",
    "strap_hamstring_stretch__render_A_feet.mp4": "from the feet end the landmarker merges the hips and no signal "
    "follows the pelvis roll; the file asks for a side view",
    "lunge__render_W4.mp4": "camera 31° behind the side view at knee height: the leaning reps (30° true) read 19.7°, "
    "just inside the 20° band (8 of 8 reps counted)",
}
LABEL_FILES = [CLIPS / "labels.toml", RENDERS / "labels.toml"]
# Cameras 30-45° off the view the exercise asks for: the couch stretch timed 0 s there, the
# squat counted 1 of 6 and the lunge 0 of 8 before the view estimate; the strap stretch's hip
# lift (31° off) went uncued with the clock running, and the bridge's sagging reps (39° off,
# another body) were never judged.
WIDE = (
    "couch_stretch__render_W3.mp4",
    "squat__render_W2.mp4",
    "lunge__render_W4.mp4",
    "strap_hamstring_stretch__render_W1_side.mp4",
    "glute_bridge__render_W3.mp4",
)


def runnable(labels: Path, only: tuple[str, ...] = ()) -> list[ClipLabel]:
    if not labels.exists():
        return []
    clips = [clip for clip in load_labels(labels) if clip.coach_as and clip.usable]
    return [clip for clip in clips if clip.file in only] if only else clips


CLIP_LABELS = [clip for labels in LABEL_FILES for clip in runnable(labels)]
CLIP_LABELS += runnable(RENDERS_WIDE / "labels.toml", WIDE)


@pytest.fixture(scope="module")
def scores() -> dict[str, ClipScore]:
    if not CLIP_LABELS:
        pytest.skip("labelled footage not found in ../shared (clips, renders)")
    library = load_library()
    results = {}
    for label, outcome in evaluate_clips(CLIP_LABELS, resolve_model("full")):
        assert not isinstance(outcome, str), outcome
        assert label.coach_as is not None
        results[label.file] = score_clip(label, outcome, library[label.coach_as].hold is not None)
    return results


@pytest.mark.parametrize(
    "file",
    [
        pytest.param(clip.file, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[clip.file]))
        if clip.file in KNOWN_MISSES
        else clip.file
        for clip in CLIP_LABELS
    ]
    or [pytest.param("none", marks=pytest.mark.skip(reason="labelled footage not found in ../shared"))],
)
def test_clip_is_coached_as_labelled(file: str, scores: dict[str, ClipScore]) -> None:
    score = scores[file]
    assert score.within_accept, f"counted {score.reps}, accept {score.reps_accept}"
    if score.hold_error_s is not None:
        assert score.hold_error_s <= 1.0, f"held {score.hold_s:.1f} s, label {score.hold_label_s:.1f} s"
    missed = [f.rule for f in score.faults if not f.caught]
    assert not missed, f"faults not cued: {missed}"
