"""Parse and validate exercise files. Every error names the file, the key and what is wrong."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from formcoach.errors import FormcoachError
from formcoach.exercises.schema import (
    BOTH,
    DEFAULT_VIEW_TOLERANCE_DEG,
    Condition,
    Cues,
    CycleSpec,
    ExerciseDef,
    HoldSpec,
    Kind,
    Phase,
    Posture,
    RepSpec,
    Rule,
    Setup,
    SourceCue,
    View,
    bind_side,
)
from formcoach.files import library_file, plain_name
from formcoach.measurements import BODY_PARTS, MEASUREMENTS
from formcoach.places import exercise_dirs

SCHEMA_VERSION = 1
SIDE_CHOICES = ("left", "right", BOTH)
T = TypeVar("T")
P = ParamSpec("P")

# The largest size any number in an exercise file may have: angles stay within ±360, ratios
# near 1, counts and seconds in the hundreds; 1e308 seconds or a 1e300° target is a typo.
MAX_MAGNITUDE = 10_000.0


class ExerciseFileError(FormcoachError):
    """What is wrong in one file: ``found`` holds each problem ("key: what is wrong"), ``problems``
    the same naming the file. The message is the first problem on one line, with how many more."""

    def __init__(self, path: Path, found: Sequence[str]) -> None:
        self.path, self.found = path, tuple(found)
        more = len(self.found) - 1
        also = f" (and {more} more: `formcoach exercises validate {path}` lists them)" if more else ""
        super().__init__(f"{self.problems[0]}{also}")

    @classmethod
    def at(cls, path: Path, key: str, problem: str) -> ExerciseFileError:
        return cls(path, [f"{key}: {problem}" if key else problem])

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(f"{self.path}: {problem}" for problem in self.found)


class Problems:
    """The problems found so far in one file. Each part of the file is parsed on its own and a
    bad part noted, so that one read reports every problem, not only the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[str] = []

    def add(self, error: ExerciseFileError) -> None:
        self.found.extend(error.found)

    def attempt(self, fallback: T, parse: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``parse(*args, **kwargs)``; if that part is bad, its problems noted and ``fallback``."""
        try:
            return parse(*args, **kwargs)
        except ExerciseFileError as error:
            self.add(error)
            return fallback

    def check(self) -> None:
        if self.found:
            raise ExerciseFileError(self.path, self.found)


class TomlTable:
    """A TOML table that remembers which keys were read, so leftovers can be rejected."""

    def __init__(self, path: Path, data: dict[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, problem: str) -> ExerciseFileError:
        return ExerciseFileError.at(self.path, self.key(name), problem)

    def get(self, name: str, kind: type[T] | tuple[type, ...], default: Any = ...) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                raise self.error(name, "is required")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML integers are fine where a number is asked for; booleans are not numbers.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise self.error(name, f"must be {wanted}, got {type(value).__name__} {value!r}")
        return value

    def _sane(self, name: str, value: float) -> float:
        """``value`` if finite and of a size an exercise can have; else a one-line error."""
        if not math.isfinite(value):
            raise self.error(name, f"must be a finite number, got {value!r}")
        if abs(value) > MAX_MAGNITUDE:
            raise self.error(name, f"{value:g} is absurd (no angle, ratio, count or time exceeds {MAX_MAGNITUDE:g})")
        return value

    def number(self, name: str, default: Any = ..., positive: bool = False) -> float:
        value: float = self.get(name, float, default)
        if value is not None and value is not default:
            self._sane(name, value)
        if positive and value is not None and value <= 0:
            raise self.error(name, f"must be > 0, got {value}")
        return value

    def non_negative(self, name: str, default: float) -> float:
        value = self.number(name, default)
        if value < 0:
            raise self.error(name, f"must be >= 0, got {value:g}")
        return value

    def whole(self, name: str, default: Any = ...) -> int:
        """A positive whole number (a count)."""
        value = self.number(name, default, positive=True)
        if value != int(value):
            raise self.error(name, f"must be a whole number, got {value:g}")
        return int(value)

    def numbers(self, name: str, default: list[float]) -> tuple[float, ...]:
        values = self.get(name, list, default)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise self.error(name, "must be a list of numbers")
        return tuple(self._sane(name, float(v)) for v in values)

    def strings(self, name: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(name, (list, str), default)
        items = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(v, str) for v in items):
            raise self.error(name, "must be a list of strings")
        return tuple(items)

    def sub(self, name: str, required: bool = False) -> TomlTable | None:
        value = self.get(name, dict, ... if required else None)
        return None if value is None else TomlTable(self.path, value, f"{self.key(name)}.")

    def subs(self, name: str) -> list[TomlTable]:
        value = self.get(name, list, [])
        if not all(isinstance(v, dict) for v in value):
            raise self.error(name, "must be an array of tables ([[...]])")
        return [TomlTable(self.path, v, f"{self.key(name)}[{i}].") for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            problem = "unknown key (check the spelling; see `formcoach exercises --help`)"
            raise ExerciseFileError(self.path, [f"{self.key(name)}: {problem}" for name in unknown])

    def choice(self, name: str, choices: Iterable[str], default: Any = ...) -> str:
        value: str = self.get(name, str, default)
        options = tuple(choices)
        if value not in options:
            raise self.error(name, f"must be one of {', '.join(options)}; got {value!r}")
        return value


def _check_metric(table: TomlTable, key: str, metric: str, sides: tuple[str, ...]) -> None:
    for side in sides:
        bound = bind_side(metric, side)
        if "{" in bound:
            raise table.error(key, f'{metric!r} uses {{side}} but the exercise is bilateral (sides = ["both"])')
        if bound not in MEASUREMENTS:
            raise table.error(key, f"unknown measurement {bound!r} (`formcoach measurements` lists them)")


def _band(table: TomlTable) -> tuple[float, float, float | None]:
    """``target`` ± ``tolerance`` and/or ``min``/``max``: the good band and the ideal."""
    target = table.number("target", None)
    tolerance = table.number("tolerance", None, positive=True)
    minimum = table.number("min", None)
    maximum = table.number("max", None)
    if tolerance is not None and target is None:
        raise table.error("tolerance", "needs a target")
    low = minimum if minimum is not None else (target - tolerance if target is not None and tolerance else -math.inf)
    high = maximum if maximum is not None else (target + tolerance if target is not None and tolerance else math.inf)
    if low == -math.inf and high == math.inf:
        raise table.error("target", "a rule needs target + tolerance, min, or max")
    if low >= high:
        raise table.error("min", f"the band is empty: min {low} is not below max {high}")
    if target is not None and not low <= target <= high:
        raise table.error("target", f"{target} lies outside its own range [{low}, {high}]")
    return low, high, target


def _rule(table: TomlTable, kind: Kind | None, sides: tuple[str, ...]) -> Rule:
    rule_id = table.get("id", str)
    metric = table.get("metric", str)
    _check_metric(table, "metric", metric, sides)
    low, high, target = _band(table)
    default_phases = ["hold"] if kind is Kind.HOLD else ["any"]
    phase_names = table.strings("phases", default_phases)
    if not phase_names:
        raise table.error("phases", "name at least one phase (or leave it out for the default)")
    phases = []
    for name in phase_names:
        if name not in Phase.__members__.values():
            raise table.error("phases", f"unknown phase {name!r}; use {', '.join(p.value for p in Phase)}")
        phases.append(Phase(name))
    cue_below = table.get("cue_below", str, "")
    cue_above = table.get("cue_above", str, "")
    if low > -math.inf and not cue_below:
        raise table.error("cue_below", f"missing: what to say when {metric} is below {low:g}")
    if high < math.inf and not cue_above:
        raise table.error("cue_above", f"missing: what to say when {metric} is above {high:g}")
    grace = table.non_negative("grace_s", 0.5)
    rule = Rule(
        id=rule_id,
        metric=metric,
        phases=tuple(phases),
        minimum=low,
        maximum=high,
        target=target,
        blocking=table.get("blocking", bool, kind is Kind.HOLD),
        grace_s=grace,
        cue_below=cue_below,
        cue_above=cue_above,
        relative=table.get("relative", bool, False),
    )
    table.done()
    return rule


def _reps(table: TomlTable, sides: tuple[str, ...]) -> RepSpec:
    metric = table.get("metric", str)
    _check_metric(table, "metric", metric, sides)
    direction = table.choice("direction", ("increase", "decrease"))
    start, end = table.number("start"), table.number("end")
    increasing = direction == "increase"
    if (end <= start) if increasing else (end >= start):
        raise table.error(
            "end",
            f"the end threshold {end:g} must lie beyond start {start:g} in the direction of the movement ({direction})",
        )
    relative = table.get("relative", bool, False)
    unit = MEASUREMENTS[bind_side(metric, sides[0])].unit
    min_gap = 0.2 if relative else unit.rep_gap
    if relative and not (increasing and start > 0 and end <= 3):
        raise table.error(
            "relative",
            'relative start and end are fractions of your own range: direction "increase", 0 < start < end ≤ 3',
        )
    if abs(end - start) < min_gap:
        raise table.error(
            "end",
            f"start {start:g} and end {end:g} are closer than {min_gap:g}: hovering between them would count reps",
        )
    spec = RepSpec(
        metric=metric,
        increasing=increasing,
        start=start,
        end=end,
        target=table.whole("target"),
        sets=table.whole("sets", 1),
        rest_s=table.non_negative("rest_s", 30.0),
        min_rep_s=table.non_negative("min_rep_s", 0.6),
        hold_end_s=table.non_negative("hold_end_s", 0.0),
        hold_end_strict=table.get("hold_end_strict", bool, True),
        leg_by=table.get("leg_by", str, None),
        relative=relative,
        window_s=table.number("window_s", 4.0, positive=True),
        min_spread=table.non_negative("min_spread", 0.0),
        rest_margin=table.number("rest_margin", None, positive=True),
        swing_sides=_swing_sides(table, relative),
    )
    if spec.rest_margin is not None and spec.rest_margin >= abs(end - start):
        gap = abs(end - start)
        raise table.error("rest_margin", f"must be under the start–end gap ({gap:g}), got {spec.rest_margin:g}")
    if spec.window_s > 60:
        raise table.error("window_s", f"must be at most 60 s, got {spec.window_s:g}")
    for leg_metric in spec.leg_metrics() or ():
        if "{leg}" not in (spec.leg_by or "") or leg_metric not in MEASUREMENTS:
            raise table.error(
                "leg_by",
                f'must name a per-leg measurement with {{leg}}, e.g. "{{leg}}_hip_abduction"; '
                f"{leg_metric!r} is not one",
            )
    table.done()
    return spec


def _swing_sides(table: TomlTable, relative: bool) -> tuple[str, str] | None:
    sides = table.strings("swing_sides", ())
    if not sides:
        return None
    if not relative or sorted(sides) != ["left", "right"]:
        raise table.error("swing_sides", 'needs relative = true and names ["left", "right"] in either order')
    return sides[0], sides[1]


def _hold(table: TomlTable) -> HoldSpec:
    min_s = table.number("min_s", positive=True)
    max_s = table.number("max_s", min_s)
    if max_s < min_s:
        raise table.error("max_s", f"{max_s:g} is below min_s {min_s:g}")
    spec = HoldSpec(
        min_s=min_s,
        max_s=max_s,
        grace_s=table.non_negative("grace_s", 2.0),
        milestones_left_s=table.numbers("milestones_left_s", [10]),
        sets=table.whole("sets", 1),
        rest_s=table.non_negative("rest_s", 30.0),
    )
    if any(m <= 0 or m >= min_s for m in spec.milestones_left_s):
        raise table.error("milestones_left_s", f"each must be between 0 and min_s ({min_s:g})")
    table.done()
    return spec


def _cycles(table: TomlTable, sides: tuple[str, ...]) -> CycleSpec:
    x, y = table.get("x", str), table.get("y", str)
    _check_metric(table, "x", x, sides)
    _check_metric(table, "y", y, sides)
    directions = table.strings("directions", ("clockwise", "counterclockwise"))
    for d in directions:
        if d not in ("clockwise", "counterclockwise"):
            raise table.error("directions", f"unknown direction {d!r}")
    spec = CycleSpec(
        x=x,
        y=y,
        target=table.whole("target"),
        directions=directions,
        min_radius=table.number("min_radius", 0.02, positive=True),
        centre_window_s=table.number("centre_window_s", 3.0, positive=True),
        sets=table.whole("sets", 1),
        rest_s=table.non_negative("rest_s", 30.0),
    )
    table.done()
    return spec


def _setup(table: TomlTable | None, sides: tuple[str, ...]) -> Setup:
    if table is None:
        return Setup()
    parts = table.strings("parts", Setup().parts)
    for part in parts:
        if part not in BODY_PARTS:
            raise table.error("parts", f"unknown body part {part!r}; use {', '.join(BODY_PARTS)}")
    conditions = []
    for cond in table.subs("require"):
        metric = cond.get("metric", str)
        _check_metric(cond, "metric", metric, sides)
        low = cond.number("min", -math.inf)
        high = cond.number("max", math.inf)
        if low >= high:
            raise cond.error("min", f"min {low:g} is not below max {high:g}")
        conditions.append(Condition(metric=metric, hint=cond.get("hint", str), minimum=low, maximum=high))
        cond.done()
    setup = Setup(parts=parts, conditions=tuple(conditions), settle_s=table.non_negative("settle_s", Setup().settle_s))
    table.done()
    return setup


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML in ``path``; a file that is not one (or not a file) is a one-line error."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise ExerciseFileError.at(path, "", f"not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ExerciseFileError.at(path, "", "not valid TOML: not UTF-8 text") from None
    except OSError as error:
        raise ExerciseFileError.at(path, "", f"cannot read: {error.strerror}") from None


def parse_exercise(path: Path) -> ExerciseDef:
    """The exercise in ``path``. Every part is checked, so a bad file's error lists each problem."""
    top = TomlTable(path, read_toml(path))
    problems = Problems(path)
    attempt = problems.attempt
    attempt(None, _schema_version, top)
    exercise_id = attempt(path.stem, _exercise_id, top, path)
    kind = attempt(None, _kind, top)
    # A bad `sides` still lets every metric be checked: against either leg, as a one-sided move.
    sides = attempt(("left", "right"), _sides, top)
    sources = attempt((), _sources, top)
    hold, reps, cycles = _kind_tables(top, kind, sides, problems)
    rules = _rules(top, kind, sides, problems)
    cues = attempt(Cues(start="", done=""), _cues, top)
    name = attempt("", top.get, "name", str)
    view = attempt(View.ANY, _view, top)
    posture = attempt(Posture.ANY, _posture, top)
    view_tolerance = attempt(DEFAULT_VIEW_TOLERANCE_DEG, _view_tolerance, top)
    placement = attempt("", top.get, "placement", str)
    setup = attempt(Setup(), _setup_table, top, sides)
    advice = attempt((), top.strings, "advice", ())
    source_cues = attempt((), _source_cues, top, kind, rules)
    description = attempt("", top.get, "description", str, "")
    attempt(None, top.done)
    problems.check()
    assert kind is not None  # a kind that is not one is a problem, and check() raised it
    return ExerciseDef(
        id=exercise_id,
        name=name,
        sources=sources,
        kind=kind,
        view=view,
        posture=posture,
        view_tolerance_deg=view_tolerance,
        placement=placement,
        sides=sides,
        rules=rules,
        cues=cues,
        setup=setup,
        hold=hold,
        reps=reps,
        cycles=cycles,
        advice=advice,
        source_cues=source_cues,
        description=description,
        path=str(path),
    )


def _schema_version(top: TomlTable) -> None:
    version = top.get("schema_version", int)
    if version != SCHEMA_VERSION:
        raise top.error("schema_version", f"this formcoach reads version {SCHEMA_VERSION}, not {version}")


def _exercise_id(top: TomlTable, path: Path) -> str:
    exercise_id: str = top.get("id", str)
    if exercise_id != path.stem:
        raise top.error("id", f"{exercise_id!r} must match the file name {path.stem!r}")
    return exercise_id


def _kind(top: TomlTable) -> Kind | None:
    return Kind(top.choice("kind", [k.value for k in Kind]))


def _view(top: TomlTable) -> View:
    return View(top.choice("view", [v.value for v in View]))


def _posture(top: TomlTable) -> Posture:
    return Posture(top.choice("posture", [p.value for p in Posture], Posture.ANY.value))


def _sources(top: TomlTable) -> tuple[str, ...]:
    sources = top.strings("source")
    if not sources:
        raise top.error("source", "cite at least one source file")
    return sources


def _sides(top: TomlTable) -> tuple[str, ...]:
    sides = top.strings("sides", (BOTH,))
    if not sides:
        raise top.error("sides", 'list at least one side, or ["both"] for a bilateral move')
    for side in sides:
        if side not in SIDE_CHOICES:
            raise top.error("sides", f"unknown side {side!r}; use left, right or both")
    if BOTH in sides and len(sides) > 1:
        raise top.error("sides", '"both" means a bilateral move and stands alone')
    return sides


def _setup_table(top: TomlTable, sides: tuple[str, ...]) -> Setup:
    return _setup(top.sub("setup"), sides)


def _kind_tables(
    top: TomlTable, kind: Kind | None, sides: tuple[str, ...], problems: Problems
) -> tuple[HoldSpec | None, RepSpec | None, CycleSpec | None]:
    """The [hold], [reps] or [cycles] table ``kind`` needs, checked; a table for another kind is
    itself the problem. When the kind is bad, whichever tables are there are checked."""
    for other in Kind:
        if kind is not None and other is not kind and other.value in top.data:
            problems.add(top.error(other.value, f"a {kind.value} exercise has no [{other.value}] table"))
    if kind is not None and kind.value not in top.data:
        problems.add(top.error(kind.value, f"a {kind.value} exercise needs a [{kind.value}] table"))
    wanted = {k: problems.attempt(None, top.sub, k.value) if kind in (k, None) else None for k in Kind}
    hold_table, reps_table, cycles_table = wanted[Kind.HOLD], wanted[Kind.REPS], wanted[Kind.CYCLES]
    hold = problems.attempt(None, _hold, hold_table) if hold_table else None
    reps = problems.attempt(None, _reps, reps_table, sides) if reps_table else None
    cycles = problems.attempt(None, _cycles, cycles_table, sides) if cycles_table else None
    return hold, reps, cycles


def _rules(top: TomlTable, kind: Kind | None, sides: tuple[str, ...], problems: Problems) -> tuple[Rule, ...]:
    """Each [[rules]] table checked on its own; ``kind`` None when the file's kind is itself bad."""
    parsed = [
        (i, problems.attempt(None, _rule, t, kind, sides))
        for i, t in enumerate(problems.attempt([], top.subs, "rules"))
    ]
    rules = [(i, rule) for i, rule in parsed if rule is not None]
    seen: set[str] = set()
    for i, rule in rules:
        if rule.id in seen:
            problems.add(top.error(f"rules[{i}].id", f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        if kind is Kind.REPS and Phase.HOLD in rule.phases:
            problems.add(top.error(f"rules[{i}].phases", '"hold" is for hold exercises; use start, moving, end or any'))
    return tuple(rule for _, rule in rules)


def _source_cues(top: TomlTable, kind: Kind | None, rules: tuple[Rule, ...]) -> tuple[SourceCue, ...]:
    """``[[source_cues]]``: each cue a cited source gives, checked by rules or the kind's table,
    or left as advice with the reason why (``kind`` None when the file's kind is itself bad)."""
    checkers = {r.id for r in rules} | {"setup"} | ({kind.value} if kind else {k.value for k in Kind})
    cues = []
    for table in top.subs("source_cues"):
        says = table.get("says", str).strip()
        if not says:
            raise table.error("says", "quote what the source says")
        checked_by = table.strings("checked_by", ())
        for name in checked_by:
            if name not in checkers:
                known = ", ".join(sorted(checkers))
                raise table.error("checked_by", f"{name!r} is neither a rule id nor this file's table; use {known}")
        why = table.get("why", str, "").strip()
        if not checked_by and not why:
            raise table.error("why", "a cue no rule checks needs the reason a camera cannot judge it")
        cues.append(SourceCue(says=says, checked_by=checked_by, why=why))
        table.done()
    return tuple(cues)


def _cues(top: TomlTable) -> Cues:
    cues_table = top.sub("cues", required=True)
    assert cues_table is not None  # required: a missing table raised
    cues = Cues(
        start=cues_table.get("start", str),
        done=cues_table.get("done", str),
        cooldown_s=cues_table.non_negative("cooldown_s", 6.0),
        side_switch=cues_table.get("side_switch", str, "Switch sides."),
        encouragement=cues_table.strings("encouragement", ()),
    )
    cues_table.done()
    return cues


def _view_tolerance(top: TomlTable) -> float:
    tolerance = top.number("view_tolerance_deg", DEFAULT_VIEW_TOLERANCE_DEG, positive=True)
    if tolerance > 90:
        raise top.error("view_tolerance_deg", f"must be at most 90 (a quarter turn), got {tolerance:g}")
    return tolerance


def _folders(directory: Path | None) -> tuple[Path, ...]:
    folders = (directory,) if directory is not None else exercise_dirs()
    for folder in folders:
        if not folder.is_dir():
            raise FormcoachError(f"exercise folder not found: {folder}")
    return folders


def exercise_files(directory: Path | None = None) -> list[Path]:
    """The exercise files in ``directory``, or in the user's folders and the shipped library."""
    return [path for folder in _folders(directory) for path in sorted(folder.glob("*.toml"))]


def load_library(directory: Path | None = None) -> dict[str, ExerciseDef]:
    """Every exercise in ``directory`` (default: the user's folders and the shipped library; a
    user's file replaces the shipped one of the same id), by id. A bad file stops the load."""
    library: dict[str, ExerciseDef] = {}
    for path in exercise_files(directory):  # the user's folders come first: their files win
        exercise = parse_exercise(path)
        library.setdefault(exercise.id, exercise)
    return dict(sorted(library.items()))


def find_exercise(exercise_id: str, directory: Path | None = None) -> ExerciseDef:
    """The exercise ``exercise_id`` names: a plain name, looked up in the user's folders, then the
    shipped library (or in ``directory``); never a path out of them."""
    name = plain_name(exercise_id, "exercise")
    for folder in _folders(directory):
        if (folder / f"{name}.toml").exists():
            return parse_exercise(library_file(folder, name, "exercise"))
    known = ", ".join(sorted({p.stem for p in exercise_files(directory)}))
    raise FormcoachError(f"unknown exercise {exercise_id!r}; known: {known}")
