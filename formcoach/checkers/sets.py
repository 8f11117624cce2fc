"""Sets with rest between them, for every kind of exercise: reps, holds and circles alike
("repeat each set two to three times", 001)."""

from __future__ import annotations

from formcoach.checkers import words
from formcoach.exercises.schema import ExerciseDef
from formcoach.types import COUNT, ENCOURAGEMENT, Event, EventKind


def advice_events(exercise: ExerciseDef, side: str, t: float) -> list[Event]:
    """The exercise's advice, item by item, raised at the start of each side and set (the cue
    policy says them in order in the pauses)."""
    return [
        Event(t, EventKind.ADVICE, f"advice{i}", text, ENCOURAGEMENT, side) for i, text in enumerate(exercise.advice)
    ]


class Sets:
    """Which set a side is in, and the rest after each set but the last."""

    def __init__(self, exercise: ExerciseDef, side: str, sets: int, rest_s: float) -> None:
        self.exercise, self.side, self.sets, self.rest_s = exercise, side, sets, rest_s
        self.index = 1
        self.finished = False
        self._rest_until: float | None = None

    @property
    def resting(self) -> bool:
        return self._rest_until is not None

    def rest_over(self, t: float, events: list[Event]) -> bool:
        """False while resting; at the rest's end, the next set is announced (with the advice)."""
        if self._rest_until is None:
            return True
        if t < self._rest_until:
            return False
        self._rest_until = None
        events.append(Event(t, EventKind.START, "set_start", words.set_go(self.index), COUNT, self.side))
        events.extend(advice_events(self.exercise, self.side, t))
        return True

    def done(self, t: float, events: list[Event], data: dict[str, float | int | str]) -> None:
        """The current set is done: finish the side after the last, else rest."""
        data = {"set": self.index, **data}
        events.append(Event(t, EventKind.SET_DONE, "set", words.set_done(self.index), COUNT, self.side, data))
        if self.index >= self.sets:
            self.finished = True
            return
        self.index += 1
        self._rest_until = t + self.rest_s
        events.append(Event(t, EventKind.REST, "rest", words.rest_for(self.rest_s), COUNT, self.side))
