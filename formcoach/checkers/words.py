"""Every sentence the checker says, in one place a translator can edit.

The exercise files carry the exercise's own words (cues, advice, encouragement); these are
the coach's: counting, sets and rest, the countdown, and getting the person and the camera
into place. Counts are spoken as words so every speech engine says them alike.
"""

from __future__ import annotations

from formcoach.exercises.schema import BOTH, ExerciseDef, View
from formcoach.measurements import Plane

_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def say_number(n: int) -> str:
    """Counts as words, so every speech engine says them the same way ("Thirty-five")."""
    if 0 <= n < len(_UNITS):
        words = _UNITS[n]
    elif 20 <= n < 100:
        words = _TENS[n // 10] + (f"-{_UNITS[n % 10]}" if n % 10 else "")
    else:
        return str(n)
    return words.capitalize()


def format_cue(text: str, exercise: ExerciseDef, side: str) -> str:
    """An exercise file's sentence with its {side}, {min_s}, {max_s}, {target} and {name} filled in."""
    values = {
        "side": "" if side == BOTH else side,
        "min_s": f"{exercise.hold.min_s:g}" if exercise.hold else "",
        "max_s": f"{exercise.hold.max_s:g}" if exercise.hold else "",
        "target": str(exercise.reps.target if exercise.reps else exercise.cycles.target if exercise.cycles else ""),
        "name": exercise.name,
    }
    try:
        return " ".join(text.format(**values).split())
    except (KeyError, IndexError, ValueError):
        return text


# -- working ---------------------------------------------------------------------------------


def countdown(start_cue: str) -> str:
    return f"Three, two, one. {start_cue}"


def set_go(set_index: int) -> str:
    return f"Set {say_number(set_index).lower()}. Go."


def set_done(set_index: int) -> str:
    return f"Set {set_index} done."


def rest_for(seconds: float) -> str:
    return f"Rest for {seconds:g} seconds."


def stay_longer(min_s: float, max_s: float) -> str:
    """Said at a hold's target when the exercise allows more (``max_s``)."""
    longest = say_number(int(max_s)).lower()
    return f"{say_number(int(min_s))} seconds. Stay up to {longest} if it feels good, or come out."


def seconds_left(seconds: float) -> str:
    return f"{say_number(int(seconds))} seconds left."


def hold_top(seconds: float) -> str:
    return f"Hold the top for {say_number(round(seconds)).lower()} seconds before you lower."


TOP_HOLD = "Hold."
TOP_HOLD_DONE = "And lower."


def side_switch(switch_cue: str, side: str) -> str:
    """The exercise's switch cue and the side that comes next ('' for a bilateral move)."""
    return f"{switch_cue} Now the {side} side." if side != BOTH else ""


# -- getting into place ----------------------------------------------------------------------

PART_HINTS = {
    "ankle": "Step back so I can see your feet.",
    "heel": "Step back so I can see your feet.",
    "foot_index": "Step back so I can see your feet.",
    "knee": "Step back so I can see your legs.",
    "hip": "Step back so I can see your whole body.",
    "shoulder": "Move so I can see your shoulders.",
    "nose": "Move so I can see your head.",
    "elbow": "Move so I can see your arms.",
    "wrist": "Move so I can see your hands.",
}
NOT_SEEN = "I can't see you. Step into the camera's view."
SOMEONE_ELSE = "Someone else is in view. I'll keep watching you."
LIE_DOWN = "Lie down on the floor to start, as the exercise shows."
GET_UP = "Stand up, or kneel or sit upright, to start."
VIEW_GOALS = {
    View.SIDE: "side-on to the camera",
    View.FRONT: "facing the camera",
    View.FEET: "with your feet toward the camera",
}
PLANE_FIXES = {Plane.SAGITTAL: "Turn side-on to the camera for it.", Plane.FRONTAL: "Face the camera for it."}


def turn_around(wanted: View) -> str:
    return f"Turn around, {VIEW_GOALS[wanted]}."


def turn_or_move_camera(a_little: str, turn: str, wanted: View, move: str) -> str:
    return f"Turn {a_little}to your {turn}, {VIEW_GOALS[wanted]}, or move the camera {a_little}to your {move}."


def move_camera_toward(a_little: str, toward: str, level_with: str) -> str:
    return f"Move the camera {a_little}toward your {toward}, level with your {level_with}."


def move_camera_across(a_little: str, across: str) -> str:
    return f"Move the camera {a_little}to your {across}, in line with your body."


def cannot_check(rule_id: str, plane: Plane) -> str:
    """Said once when a rule's measurement cannot be judged from where the camera stands."""
    return f"From here I can't check {rule_id.replace('_', ' ')}. {PLANE_FIXES[plane]}"
