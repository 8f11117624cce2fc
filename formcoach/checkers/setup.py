"""Getting the user and the camera into place, and keeping them there: what keeps a session
from starting, which way to turn or move the camera, and what the camera cannot see.

A camera view is a range, not a yes/no gate: the exercise asks for a view (side, front,
feet) with a tolerance, the view estimate (``formcoach.view``) says where the camera stands,
and outside the range the user hears which way to turn or where to move the camera, again
every ``REPEAT_S`` until it is fixed. A session is never silent while it waits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from formcoach.checkers import words
from formcoach.exercises.schema import ExerciseDef, Posture, View
from formcoach.measurements import MEASUREMENTS, Plane
from formcoach.types import COUNT, SAFETY, Event, EventKind, Metrics
from formcoach.view import CameraView, offset_from
from formcoach.view import Posture as BodyPosture

REPEAT_S = 10.0  # an unresolved setup problem is said again this often
# The view estimate's own error (median 6.7° on upright rendered bodies, 2.8° lying on the
# back): a camera this much past the tolerance by the estimate may still be inside it.
ESTIMATE_MARGIN_DEG = 10.0
SUSPENDED_AFTER_S = 1.0  # a rule unjudgeable from this view this long is reported (once)


def placement_hint(view: CameraView, wanted: View, offset: float) -> str:
    """Which way to turn (an upright body) or to move the camera (a lying one) to bring the
    camera ``offset`` degrees back toward the ``wanted`` view."""
    a_little = "a little " if abs(offset) <= 60 else ""
    if view.posture is BodyPosture.UPRIGHT:
        if wanted is not View.SIDE and abs(offset) > 135:
            return words.turn_around(wanted)
        # The camera sits too far toward the body's right (offset > 0): turning right brings
        # the body's front round to it, as moving the camera toward the body's left would.
        turn, move = ("right", "left") if offset > 0 else ("left", "right")
        return words.turn_or_move_camera(a_little, turn, wanted, move)
    if view.posture is BodyPosture.ON_SIDE:
        # Azimuth grows from the chest (0°) toward the head (+90°).
        return words.move_camera_toward(a_little, "feet" if offset > 0 else "head", "chest")
    if wanted is View.SIDE:
        # Lying on the back or front: azimuth 0° at the feet, ±180° at the head.
        return words.move_camera_toward(a_little, "head" if abs(view.azimuth_deg) < 90 else "feet", "hips")
    return words.move_camera_across(a_little, "left" if offset > 0 else "right")


def view_offset(exercise: ExerciseDef, view: CameraView | None) -> float:
    """How far the camera stands off the exercise's view (0 when any view will do or the
    view is not known)."""
    if view is None or exercise.view is View.ANY:
        return 0.0
    return offset_from(view.azimuth_deg, exercise.view.azimuths)


class PostureChange(StrEnum):
    """What the body must do to take the exercise's posture: said in words, shown by arrows."""

    LIE_DOWN = "lie down"
    GET_UP = "get up"


POSTURE_WORDS = {PostureChange.LIE_DOWN: words.LIE_DOWN, PostureChange.GET_UP: words.GET_UP}


def posture_change(exercise: ExerciseDef, view: CameraView | None) -> PostureChange | None:
    """Lie down or get up, when the body is not in the exercise's posture (None: it is, or unknown)."""
    if view is None:
        return None
    lying = view.posture is not BodyPosture.UPRIGHT
    if exercise.posture is Posture.LYING and not lying:
        return PostureChange.LIE_DOWN
    if exercise.posture is Posture.UPRIGHT and lying:
        return PostureChange.GET_UP
    return None


def view_problem(exercise: ExerciseDef, view: CameraView | None) -> str:
    """What is wrong with the body's posture or the camera's place ('' when fine)."""
    if view is None:
        return ""
    change = posture_change(exercise, view)
    if change is not None:
        return POSTURE_WORDS[change]
    offset = view_offset(exercise, view)
    if not view.azimuth_known or abs(offset) <= exercise.view_tolerance_deg + ESTIMATE_MARGIN_DEG:
        return ""
    return placement_hint(view, exercise.view, offset)


def _plane_of(metric: str) -> Plane | None:
    return MEASUREMENTS[metric].plane if metric in MEASUREMENTS else None


@dataclass
class SetupGuide:
    """Says what keeps the session from starting, and what the camera cannot see once it
    has started; every problem again every ``REPEAT_S`` until it is fixed."""

    exercise: ExerciseDef
    side: str
    _said: str = ""
    _said_t: float = -math.inf
    _unjudged_since: dict[str, float] = field(default_factory=dict)  # rule id → since when
    _reported: set[str] = field(default_factory=set)  # rules already said to be unjudgeable

    def problem(self, metrics: Metrics) -> str:
        """What keeps the session from starting ('' when ready)."""
        if not metrics.visible:
            return words.NOT_SEEN
        for part in self.exercise.setup.parts:
            if part not in metrics.parts_in_frame:
                return words.PART_HINTS[part]
        placement = view_problem(self.exercise, metrics.view)
        if placement:
            return placement
        for condition in self.exercise.setup.conditions:
            value = metrics.get(condition.metric)
            if not (math.isfinite(value) and condition.minimum <= value <= condition.maximum):
                return condition.hint
        return ""

    def say(self, problem: str, t: float, priority: int = SAFETY) -> list[Event]:
        """An event for ``problem`` when it is new, or has waited ``REPEAT_S`` unfixed."""
        if not problem:
            self._said = ""
            return []
        if problem == self._said and t - self._said_t < REPEAT_S:
            return []
        self._said, self._said_t = problem, t
        return [Event(t, EventKind.SETUP_HINT, "setup", problem, priority, self.side)]

    def forget(self) -> None:
        """Back to setup: the next problem is said at once."""
        self._said, self._said_t = "", -math.inf

    def while_active(self, metrics: Metrics, metric_of_rule: dict[str, str]) -> list[Event]:
        """Placement advice while coaching: the camera drifting out of the view's range, and
        (once per rule) a rule its measurement cannot be judged for from this view."""
        events = self.say(view_problem(self.exercise, metrics.view), metrics.t, COUNT)
        since = self._unjudged_since
        for rule_id, metric in metric_of_rule.items():
            if metric not in metrics.suspended or rule_id in self._reported:
                since.pop(rule_id, None)
                continue
            started = since.setdefault(rule_id, metrics.t)
            plane = _plane_of(metric)
            if metrics.t - started >= SUSPENDED_AFTER_S and plane is not None:
                self._reported.add(rule_id)
                text = words.cannot_check(rule_id, plane)
                events.append(Event(metrics.t, EventKind.SETUP_HINT, f"unseen_{rule_id}", text, COUNT, self.side))
        return events
