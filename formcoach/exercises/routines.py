"""Routines: an ordered list of exercises with per-step targets, read from ``routines/*.toml``.

schema_version = 1
id = "daily_hips"                 # must match the file name
name = "Daily hips"
source = ["002_a5cf285771b240ea.txt"]
[[steps]]
exercise = "glute_bridge"         # an exercise id from exercises/
reps = 10                         # optional: override the exercise's target reps,
sets = 1                          #   sets, hold seconds (hold_s) or sides
rest_s = 15                       # optional: pause before the next step
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from formcoach.exercises.loader import SIDE_CHOICES, TomlTable, load_library, read_toml
from formcoach.exercises.schema import BOTH, ExerciseDef
from formcoach.files import library_file
from formcoach.places import ROUTINES_DIR


@dataclass(frozen=True)
class RoutineStep:
    exercise: ExerciseDef  # with the step's overrides applied
    rest_s: float


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    sources: tuple[str, ...]
    description: str
    steps: tuple[RoutineStep, ...]

    @property
    def planned_s(self) -> float:
        """A rough duration: holds and rests, plus ~3 s a rep, plus 20 s of setup a step."""
        total = 0.0
        for step in self.steps:
            ex = step.exercise
            per_side = ex.hold.min_s if ex.hold else 3.0 * ex.reps.target * ex.reps.sets if ex.reps else 60.0
            total += 20.0 + per_side * len(ex.sides) + step.rest_s
        return total


def _step(table: TomlTable, library: dict[str, ExerciseDef]) -> RoutineStep:
    exercise_id = table.get("exercise", str)
    if exercise_id not in library:
        raise table.error("exercise", f"unknown exercise {exercise_id!r}")
    exercise = library[exercise_id]
    if "reps" in table.data or "sets" in table.data:
        if exercise.reps is None:
            raise table.error("reps", f"{exercise_id} is a {exercise.kind.value} exercise, not reps")
        reps = replace(
            exercise.reps,
            target=table.whole("reps", exercise.reps.target),
            sets=table.whole("sets", exercise.reps.sets),
        )
        exercise = replace(exercise, reps=reps)
    if "hold_s" in table.data:
        if exercise.hold is None:
            raise table.error("hold_s", f"{exercise_id} is a {exercise.kind.value} exercise, not a hold")
        hold_s = table.number("hold_s", positive=True)
        milestones = tuple(m for m in exercise.hold.milestones_left_s if m < hold_s)
        exercise = replace(
            exercise, hold=replace(exercise.hold, min_s=hold_s, max_s=hold_s, milestones_left_s=milestones)
        )
    if "sides" in table.data:
        sides = table.strings("sides")
        if any(side not in SIDE_CHOICES for side in sides) or (exercise.sides == (BOTH,)) != (sides == (BOTH,)):
            raise table.error("sides", f"must match {exercise_id}'s sides {list(exercise.sides)} or pick from them")
        exercise = replace(exercise, sides=sides)
    rest_s = table.non_negative("rest_s", 15.0)
    table.done()
    return RoutineStep(exercise, rest_s)


def parse_routine(path: Path, library: dict[str, ExerciseDef]) -> Routine:
    top = TomlTable(path, read_toml(path))
    if top.get("schema_version", int) != 1:
        raise top.error("schema_version", "this formcoach reads version 1")
    routine_id = top.get("id", str)
    if routine_id != path.stem:
        raise top.error("id", f"{routine_id!r} must match the file name {path.stem!r}")
    steps = tuple(_step(t, library) for t in top.subs("steps"))
    if not steps:
        raise top.error("steps", "a routine needs at least one [[steps]] entry")
    routine = Routine(
        id=routine_id,
        name=top.get("name", str),
        sources=top.strings("source"),
        description=top.get("description", str, ""),
        steps=steps,
    )
    top.done()
    return routine


def load_routines(directory: Path = ROUTINES_DIR, exercises_dir: Path | None = None) -> dict[str, Routine]:
    library = load_library(exercises_dir)
    return {p.stem: parse_routine(p, library) for p in sorted(directory.glob("*.toml"))}


def find_routine(routine_id: str, directory: Path = ROUTINES_DIR) -> Routine:
    return parse_routine(library_file(directory, routine_id, "routine"), load_library())
