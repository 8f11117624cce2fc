"""Library exercise files that need hip rotation, seated or folded postures, on synthetic bodies.

The same checks as tests/test_library_on_poses.py (whose helpers this reuses), for more of the
library files never checked on footage: a good performance, in the position a physiotherapist
would call correct, completes with no corrective event, and a fault for one rule raises that
rule's cue within its grace + 0.5 s (a blocking rule also stops the clock for the fault's
length). Faults mirror the good value about the band's edge, so linear measurements cross it
mid-ramp. The poses use the generator's ``rotation`` (hip rotation about the thigh's long axis)
for crossed shins, soles together and knees dropped to one side; "seated" is the standing
posture with the thighs level (hip 90°).

Covered: lunge_90_90, lizard, seated_hamstring_stretch, pigeon, supine_figure_four,
standing_figure_four, supine_twist, butterfly (good hold only), clamshell (whose image knee
angle could not see a bent knee from the view the file asks for: the file now reads it in 3-D).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from synthetic import Angles, Camera, angles
from test_library_on_poses import (
    CORRECTIVE,
    CUE_SLACK_S,
    FPS,
    bound,
    camera_yaw,
    check_good_hold,
    check_hold_fault,
    events,
    first_t,
    rule_of,
    run,
    square_to_camera,
    turned_camera,  # noqa: F401  (autouse: every test here also runs with the camera turned off the view)
)

from formcoach.checkers.words import say_number
from formcoach.measurements import measure
from formcoach.types import EventKind


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


def legs_of(side: str, mine: dict[str, float], others: dict[str, float], **body: float) -> Angles:
    """``mine`` for ``side``'s leg, ``others`` for the other leg (joint → degrees)."""
    legs = {f"{side}_{j}": v for j, v in mine.items()} | {f"{other_side(side)}_{j}": v for j, v in others.items()}
    return Angles(**legs, **body)


# -- poses -----------------------------------------------------------------------------------
# 90/90 lunge: kneeling side view, {side} knee down (thigh vertical, shin flat behind: knee 90°),
# the other foot flat in front (hip 90°, knee 90°), torso upright.
def lunge_90_90(side: str, lean: float = 0.0) -> Angles:
    return legs_of(side, {"hip": 0.0, "knee": 90.0}, {"hip": 90.0, "knee": 90.0}, trunk_lean=lean)


# Lizard: trunk tipped 75° forward; the front thigh level (posture frame, reads 90 + 75 = 165°
# against the trunk), shin vertical; the straight back leg (knee 5°) reaches the floor behind,
# 29.6° below level (hip at one shin's height).
def lizard(side: str, back_knee: float = 5.0) -> Angles:
    return legs_of(side, {"hip": 90.0, "knee": 90.0}, {"hip": -60.4, "knee": back_knee}, trunk_lean=75.0)


# Seated hamstring stretch, on a chair: both thighs level (hip 90°), the {side} leg out nearly
# straight (knee 10°), the other foot flat (knee 90°), trunk folded 45° forward from the hips:
# knee–hip–shoulder reads 90 − lean = 45°.
def seated_hamstring(side: str, lean: float = 45.0) -> Angles:
    return legs_of(side, {"hip": 90.0, "knee": 10.0}, {"hip": 90.0, "knee": 90.0}, trunk_lean=lean)


# Pigeon, upright trunk: front thigh level forward (hip 90°), knee 120° with 75° external
# rotation (the shin across the body, heel back toward the other hip, dropping a little to the
# floor): the image from the side would read the front knee ~156° (the shin turned across
# is seen foreshortened); the knee's own plane faces the camera edge-on, so the view-aware
# measurement reads its true 120° from the world landmarks. Back leg straight behind (hip
# −90°, knee 10°).
def pigeon(side: str, back_knee: float = 10.0) -> Angles:
    front = {"hip": 90.0, "knee": 120.0, "rotation": 75.0}
    return legs_of(side, front, {"hip": -90.0, "knee": back_knee})


# Supine figure four: the other thigh pulled in (hip 80°, knee 90°); the crossed {side} leg at
# hip 80°, knee 120°, 30° out, 80° external rotation puts its ankle just below the other knee.
def supine_figure_four(side: str, held_hip: float = 80.0) -> Angles:
    crossed = {"hip": 80.0, "knee": 120.0, "abduction": 30.0, "rotation": 80.0}
    return legs_of(side, crossed, {"hip": held_hip, "knee": 90.0})


# Standing figure four: sitting back on the other leg (posture frame: thigh 60° forward, knee
# 60°, shin upright), trunk 30° forward; the crossed {side} leg (hip 60°, knee 120°, 30° out,
# 90° external rotation) rests its ankle on the other thigh just above the knee.
def standing_figure_four(side: str, lean: float = 30.0) -> Angles:
    crossed = {"hip": 60.0, "knee": 120.0, "abduction": 30.0, "rotation": 90.0}
    return legs_of(side, crossed, {"hip": 60.0, "knee": 60.0}, trunk_lean=lean)


# Supine twist to {side}: from hook lying (hips 45°, knees 75°) both knees fall 60° to {side}
# (that thigh out, the other across), turning about the thighs by 30° (that hip external, the
# other internal), legs parallel. (Knees 75°: the knees_bent fault mirrored about its 60° edge,
# 45°, is where the world knee reading needs no straight-knee correction.)
def supine_twist(side: str, knee: float = 75.0) -> Angles:
    return legs_of(
        side,
        {"hip": 45.0, "knee": knee, "abduction": 60.0, "rotation": 30.0},
        {"hip": 45.0, "knee": knee, "abduction": -60.0, "rotation": -30.0},
    )


# Butterfly, seated on the floor, facing the camera turned 30° (three-quarter front): thighs
# 80° forward and 70° out, knees 150°, 70° external rotation brings the ankles together in front
# of the pelvis (0.95 hip widths apart, soles touching), trunk 20° forward.
def butterfly(_side: str) -> Angles:
    return angles(hip=80.0, abduction=70.0, knee=150.0, rotation=70.0, trunk_lean=20.0)


SUPINE_SIDE = {"posture": "supine", "facing": "left"}
SIDE_VIEW = {"facing": "left", "legs_follow_trunk": False}
HOLDS: dict[str, tuple[Callable[[str], Angles], dict[str, Any], dict[str, float]]] = {
    # exercise: (the correct pose for a side, pose kwargs, what it reads: {side}/{other} bound)
    "lunge_90_90": (
        lunge_90_90,
        {"posture": "kneeling", **SIDE_VIEW},
        {"front_knee_flexion": 90.0, "back_knee_flexion": 90.0, "trunk_lean": 0.0},  # bands 70-130, 55-125, ≤18
    ),
    "lizard": (lizard, SIDE_VIEW, {"front_hip_flexion": 165.0, "back_knee_flexion": 5.0}),  # ≥140, ≤40
    "seated_hamstring_stretch": (
        seated_hamstring,
        SIDE_VIEW,
        {"knee_hip_shoulder": 45.0, "{side}_knee_flexion": 10.0},  # ≤60, ≤30
    ),
    "pigeon": (pigeon, SIDE_VIEW, {"front_knee_flexion": 120.0, "back_knee_flexion": 10.0}),  # ≥60, ≤45
    "supine_figure_four": (
        supine_figure_four,
        SUPINE_SIDE,
        {"{other}_hip_flexion": 80.0, "{side}_knee_flexion_3d": 120.0},  # ≥60, ≥50
    ),
    "standing_figure_four": (
        standing_figure_four,
        SIDE_VIEW,
        {"{side}_ankle_y_3d": 0.22, "{other}_knee_flexion": 60.0, "trunk_lean": 30.0},  # ≤0.65, ≥20, ≤50
    ),
    "supine_twist": (supine_twist, SUPINE_SIDE, {"shin_angle_3d": 78.21, "knee_flexion_3d": 75.0}),  # ≥55, ≥60
    "butterfly": (
        butterfly,
        {"facing": "camera", "legs_follow_trunk": False, "camera": Camera(yaw_deg=30.0)},
        {"knee_gap_3d": 5.04, "knee_flexion_3d": 150.0, "feet_gap_3d": 0.95},  # ≥1.8, ≥90, ≤1.6
    ),
}
SIDES_OF = {"butterfly": ["both"]}

FAULTS = [
    # exercise, side, rule, the faulty pose, the measurement it moves and its faulty value, the cue
    ("lunge_90_90", "left", "torso_upright", lunge_90_90("left", lean=36.0), "trunk_lean", 36.0,
     "Lift your torso up. Sit tall."),
    ("lizard", "right", "back_leg_straight", lizard("right", back_knee=75.0), "back_knee_flexion", 75.0,
     "Straighten your back leg behind you."),
    ("seated_hamstring_stretch", "left", "lean_forward", seated_hamstring("left", lean=15.0), "knee_hip_shoulder",
     75.0, "Lean forward over your straight leg."),
    ("pigeon", "left", "back_leg_straight", pigeon("left", back_knee=80.0), "back_knee_flexion", 80.0,
     "Walk your back leg out straight behind you."),
    ("supine_figure_four", "right", "thigh_to_chest", supine_figure_four("right", held_hip=40.0), "left_hip_flexion",
     40.0, "Pull your lower thigh a little closer to your chest."),
    ("standing_figure_four", "left", "back_straight", standing_figure_four("left", lean=70.0), "trunk_lean", 70.0,
     "Keep your back straight and your chest up."),
    ("supine_twist", "right", "knees_bent", supine_twist("right", knee=45.0), "knee_flexion_3d", 45.0,
     "Keep your knees bent and together."),
]  # fmt: skip


def _cases() -> list[tuple[str, str]]:
    return [(e, s) for e in sorted(HOLDS) for s in SIDES_OF.get(e, ["left", "right"])]


# Known gaps off the view, found by these tests: with the camera 40° toward the head, the
# supine twist's hip angle (which tells knees fallen sideways from a tabletop) reads the
# sideways thighs as flexed ~130° in the image and the world landmarks agree no better.
OFF_VIEW_GAPS = {
    ("supine_twist", "right", -40.0): "camera toward the head: the twist's hip angle is not seen",
    ("supine_twist", "left", 40.0): "camera toward the head: the twist's hip angle is not seen",
}


def mark_known_gap(request: pytest.FixtureRequest, exercise_id: str, side: str, yaw: float) -> None:
    reason = OFF_VIEW_GAPS.get((exercise_id, side, yaw))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize(("exercise_id", "side"), _cases())
def test_hold_good(exercise_id: str, side: str, request: pytest.FixtureRequest) -> None:
    mark_known_gap(request, exercise_id, side, camera_yaw["deg"])
    pose_for, pose_kwargs, expected = HOLDS[exercise_id]
    check_good_hold(exercise_id, side, pose_for(side), expected, **pose_kwargs)


@pytest.mark.parametrize(("exercise_id", "side", "rule_id", "bad", "measured", "bad_value", "cue"), FAULTS)
def test_hold_fault_is_cued_and_pauses(
    exercise_id: str,
    side: str,
    rule_id: str,
    bad: Angles,
    measured: str,
    bad_value: float,
    cue: str,
    request: pytest.FixtureRequest,
) -> None:
    mark_known_gap(request, exercise_id, side, camera_yaw["deg"])
    pose_for, pose_kwargs, expected = HOLDS[exercise_id]
    other = other_side(side)
    good_value = next(v for k, v in expected.items() if k.format(side=side, other=other) == measured)
    check_hold_fault(exercise_id, side, rule_id, (pose_for(side), good_value), (bad, bad_value), measured, cue,
                     **pose_kwargs)  # fmt: skip


# -- clamshell -------------------------------------------------------------------------------
# Side-lying on the right side (head toward the image's left), camera facing the chest: hips
# 45°, knees 90°, the left (top) knee opening by 25° of abduction with 23° external rotation,
# which keeps the top ankle stacked on the bottom one (within 6 cm): image abduction 0 → 33.4°
# (the file counts 8 → 20), feet gap 1.0 → 1.17 hip widths (max 2.2). One rep every 2 s.
def clamshell(opening: float) -> Angles:
    u = opening / 25.0
    return legs_of(
        "left", {"hip": 45.0, "knee": 90.0, "abduction": opening, "rotation": 23.0 * u}, {"hip": 45.0, "knee": 90.0}
    )


def test_clamshell_knee_bend_is_read_in_3d() -> None:
    # From the chest the knee's bend lies along the camera axis: the image knee angle would
    # read 0 with the knees bent 90°, so the view-aware measurement reads it from the world
    # landmarks there, as the _3d one does.
    def reads(opening: float) -> dict[str, float]:
        pose = clamshell(opening)
        (step,) = run("clamshell", [(0.0, pose)], "left", FPS, posture="side_lying")
        assert step.pose is not None
        names = ("left_knee_flexion", "left_knee_flexion_3d", "left_hip_abduction", "feet_gap")
        return measure(step.pose, names, 0.0, 0).values

    if not square_to_camera():
        pytest.skip("the readings are pinned with the camera facing the chest")
    rest, opened = reads(0.0), reads(25.0)
    assert rest["left_knee_flexion"] == pytest.approx(90.0, abs=0.5)
    assert rest["left_knee_flexion_3d"] == pytest.approx(90.0, abs=0.5)
    assert rest["left_hip_abduction"] == pytest.approx(0.0, abs=0.5)
    assert rest["feet_gap"] == pytest.approx(1.0, abs=0.02)
    # Opened, the knee's plane turns toward the camera and the image shares in the reading.
    assert opened["left_knee_flexion"] == pytest.approx(90.0, abs=6.0)
    assert opened["left_knee_flexion_3d"] == pytest.approx(90.0, abs=0.5)
    # The opened thigh leans toward the camera: the image (33.4) shares the reading with the
    # world landmarks.
    assert opened["left_hip_abduction"] == pytest.approx(33.4, abs=2.5)
    assert opened["feet_gap"] == pytest.approx(1.17, abs=0.02)


def clamshell_reps(top: Angles, reps: int, held_s: float = 0.4) -> list[tuple[float, Angles]]:
    """Rest 2 s, then ``reps`` openings to ``top`` (0.8 s up, ``held_s`` held, 0.8 s down)."""
    keyframes = [(0.0, clamshell(0.0)), (2.0, clamshell(0.0))]
    for _ in range(reps):
        t = keyframes[-1][0]
        keyframes += [(t + 0.8, top), (t + 0.8 + held_s, top), (t + 1.6 + held_s, clamshell(0.0))]
    keyframes.append((keyframes[-1][0] + 1.0, clamshell(0.0)))
    return keyframes


def clamshell_hold_s() -> float:
    reps = bound("clamshell", "left").reps
    assert reps is not None and reps.hold_end_s > 0
    return reps.hold_end_s


def test_clamshell_good_reps() -> None:
    exercise = bound("clamshell", "left")
    assert exercise.reps is not None
    keyframes = clamshell_reps(clamshell(25.0), exercise.reps.target, held_s=clamshell_hold_s() + 0.5)
    steps = run("clamshell", keyframes, "left", FPS, posture="side_lying")
    assert first_t(steps, EventKind.START) < 1.0  # setup passes lying still, before the first opening
    assert events(steps, *CORRECTIVE, EventKind.SHORT_HOLD) == []
    assert len(events(steps, EventKind.REP_DONE)) == exercise.reps.target
    assert len(events(steps, EventKind.HOLD_MILESTONE, key="top_hold_done")) == exercise.reps.target
    assert events(steps, EventKind.SET_DONE)


def test_clamshell_lowered_before_the_hold_is_cued_and_not_counted() -> None:
    # 003: "Hold for up to 10 seconds before releasing"; opened and closed at once here.
    steps = run("clamshell", clamshell_reps(clamshell(25.0), 2), "left", FPS, posture="side_lying")
    short = events(steps, EventKind.SHORT_HOLD)
    assert [e.message for e in short] == [
        f"Hold the top for {say_number(int(clamshell_hold_s())).lower()} seconds before you lower."
    ] * 2
    assert events(steps, EventKind.REP_DONE) == []


def test_clamshell_whole_leg_lift_is_cued_feet_together() -> None:
    # The top leg lifted whole, the foot following (30° abduction, no rotation): feet gap 2.08.
    exercise = bound("clamshell", "left")
    rule = rule_of(exercise, "feet_together")
    lift = legs_of("left", {"hip": 45.0, "knee": 90.0, "abduction": 30.0}, {"hip": 45.0, "knee": 90.0})
    steps = run("clamshell", clamshell_reps(lift, 2), "left", FPS, posture="side_lying")
    assert max(s.metrics.values["feet_gap"] for s in steps) == pytest.approx(2.08, abs=0.03)
    fails = events(steps, EventKind.RULE_FAIL, key=rule.id)
    assert fails and fails[0].message == "Keep your feet together; only the knee opens."
    assert 2.0 + 0.8 <= fails[0].t <= 2.0 + 2.0 + CUE_SLACK_S  # on the first lift


# Not covered: butterfly's feet rules (non-blocking, and a heels-out or feet-apart fault moves
# feet_gap_3d and knee_flexion_3d together, so one rule cannot be faulted alone in the time
# given); its forward lean is faulted in tests/test_library_on_poses_source_cues.py.


def test_supine_twist_tabletop_is_not_a_twist() -> None:
    # Knees up with the feet off the floor reads shin_angle_3d 90 like knees fallen to the side;
    # the side view's hip angle (90 vs 45) keeps the clock from starting.
    table = legs_of("left", {"hip": 90.0, "knee": 90.0}, {"hip": 90.0, "knee": 90.0})
    steps = run("supine_twist", [(0.0, table), (5.0, table)], "left", FPS, posture="supine", facing="left")
    values = steps[-1].metrics.values
    assert values["shin_angle_3d"] == pytest.approx(90.0, abs=0.5)
    assert values["hip_flexion"] == pytest.approx(90.0, abs=0.5)
    assert events(steps, EventKind.HOLD_START) == []
    hints = [e.message for e in events(steps, EventKind.SETUP_HINT)]
    assert "Keep your feet on the floor, then let your knees fall to the left." in hints
