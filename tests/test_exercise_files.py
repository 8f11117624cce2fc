"""Exercise files: every file in exercises/ loads; malformed files get named errors."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from footage import SHARED, require

from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.loader import ExerciseFileError, load_library, parse_exercise
from formcoach.exercises.schema import BOTH, Kind
from formcoach.measurements import MEASUREMENTS
from formcoach.places import EXERCISES_DIR

EXERCISE_FILES = sorted(EXERCISES_DIR.glob("*.toml"))


def test_the_exercise_folder_has_files():
    assert {"glute_bridge", "lunge", "couch_stretch"} <= {p.stem for p in EXERCISE_FILES}


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_exercise_file_is_valid(path: Path):
    exercise = parse_exercise(path)
    assert exercise.id == path.stem
    assert exercise.sources
    assert exercise.cues.start and exercise.cues.done
    section = {Kind.HOLD: exercise.hold, Kind.REPS: exercise.reps, Kind.CYCLES: exercise.cycles}
    assert section[exercise.kind] is not None
    assert [k for k, v in section.items() if v is not None] == [exercise.kind]
    assert len({r.id for r in exercise.rules}) == len(exercise.rules)
    for side in exercise.sides:
        bound = exercise.for_side(side)
        for name in bound.metric_names():
            assert name in MEASUREMENTS, f"{path.name}: {name} ({side})"
    for rule in exercise.rules:
        assert rule.minimum < rule.maximum
        if math.isfinite(rule.minimum):
            assert rule.cue_below, rule.id
        if math.isfinite(rule.maximum):
            assert rule.cue_above, rule.id
        if rule.target is not None:
            assert rule.minimum <= rule.target <= rule.maximum
    if exercise.reps:
        r = exercise.reps
        assert (r.end > r.start) if r.increasing else (r.end < r.start)
    # A session can be built and names only registered measurements.
    session = ExerciseSession(exercise)
    assert set(session.metric_names()) <= set(MEASUREMENTS)


def test_library_loads_every_file():
    library = load_library()
    assert set(library) == {p.stem for p in EXERCISE_FILES}


# -- what the sources say ------------------------------------------------------------------


def plain(text: str) -> str:
    """Text as compared with a source: curly quotes and dashes straight, spaces single, lower case."""
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_every_source_cue_is_quoted_from_a_cited_source(path: Path):
    # Each [[source_cues]] entry quotes its source word for word, so the docs table and the
    # rules that check a cue stay faithful to what the therapists wrote.
    exercise = parse_exercise(path)
    assert exercise.source_cues, f"{path.name} quotes no source cue"
    sources = require(SHARED / "sources")
    cited = " ".join(plain((sources / name).read_text(encoding="utf-8")) for name in exercise.sources)
    for cue in exercise.source_cues:
        assert plain(cue.says) in cited, f"{path.name}: not in {', '.join(exercise.sources)}: {cue.says!r}"
        assert cue.checked_by or cue.why


def test_a_source_cue_names_what_checks_it(tmp_path):
    text = edit(
        REPS,
        "[cues]",
        '[[source_cues]]\nsays = "Bend your knees."\nchecked_by = ["depth", "reps"]\n\n'
        '[[source_cues]]\nsays = "Keep your spine long."\nwhy = "The spine has no landmarks."\n\n[cues]',
    )
    exercise = parse_exercise(write(tmp_path, "quoted", text))
    assert [(c.says, c.checked_by, c.why) for c in exercise.source_cues] == [
        ("Bend your knees.", ("depth", "reps"), ""),
        ("Keep your spine long.", (), "The spine has no landmarks."),
    ]


# -- malformed files ---------------------------------------------------------------------

REPS = """\
schema_version = 1
id = "{id}"
name = "Test reps"
source = ["001_test.txt"]
kind = "reps"
view = "side"
placement = "Side-on to the camera."
sides = ["both"]

[reps]
metric = "knee_flexion"
direction = "increase"
start = 30
end = 80
target = 5

[[rules]]
id = "depth"
metric = "knee_flexion"
min = 70
max = 120
target = 90
phases = ["end"]
cue_below = "Go lower."
cue_above = "Not so deep."

[[rules]]
id = "upright"
metric = "trunk_lean"
max = 20
cue_above = "Stay tall."

[cues]
start = "Go."
done = "Done."
"""

HOLD = """\
schema_version = 1
id = "{id}"
name = "Test hold"
source = ["002_test.txt"]
kind = "hold"
view = "side"
placement = "Side-on to the camera."
sides = ["left", "right"]

[hold]
min_s = 30
max_s = 60
milestones_left_s = [10]

[[rules]]
id = "knee"
metric = "{{side}}_knee_flexion"
target = 90
tolerance = 20
cue_below = "Bend more."
cue_above = "Bend less."

[cues]
start = "Hold."
done = "Done."
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace("{id}", name).replace("{{side}}", "{side}"), encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"template has no {old!r}"
    return text.replace(old, new, 1)


@pytest.mark.parametrize("template", [REPS, HOLD], ids=["reps", "hold"])
def test_templates_are_valid(tmp_path, template):
    exercise = parse_exercise(write(tmp_path, "ok_exercise", template))
    assert exercise.id == "ok_exercise"
    if exercise.kind is Kind.HOLD:
        (rule,) = exercise.rules
        assert (rule.minimum, rule.maximum, rule.target) == (70.0, 110.0, 90.0)
        assert exercise.for_side("right").rules[0].metric == "right_knee_flexion"
    else:
        assert exercise.reps is not None and exercise.reps.increasing
        assert exercise.rules[1].minimum == -math.inf


# (id, template, old, new, key the message must name, words it must contain)
MALFORMED = [
    ("unknown_top_key", REPS, 'kind = "reps"', 'kind = "reps"\ncolour = "red"', "colour", "unknown key"),
    ("unknown_rule_key", REPS, 'id = "depth"', 'id = "depth"\nthreshold = 3', "rules[0].threshold", "unknown key"),
    ("unknown_reps_key", REPS, "target = 5", "target = 5\nrepz = 3", "reps.repz", "unknown key"),
    (
        "unknown_measurement",
        REPS,
        'metric = "trunk_lean"',
        'metric = "trunk_leaning"',
        "rules[1].metric",
        "unknown measurement",
    ),
    (
        "unknown_reps_measurement",
        REPS,
        'metric = "knee_flexion"\ndirection',
        'metric = "knee_bend"\ndirection',
        "reps.metric",
        "unknown measurement",
    ),
    ("end_not_beyond_start_up", REPS, "end = 80", "end = 20", "reps.end", "must lie beyond start"),
    ("end_equals_start", REPS, "end = 80", "end = 30", "reps.end", "must lie beyond start"),
    (
        "end_not_beyond_start_down",
        REPS,
        'direction = "increase"',
        'direction = "decrease"',
        "reps.end",
        "must lie beyond start",
    ),
    ("start_end_too_close", REPS, "end = 80", "end = 33", "reps.end", "closer than"),
    (
        "start_end_too_close_down",
        REPS,
        'direction = "increase"\nstart = 30\nend = 80',
        'direction = "decrease"\nstart = 30\nend = 27',
        "reps.end",
        "closer than",
    ),
    ("target_above_band", REPS, "target = 90\n", "target = 130\n", "rules[0].target", "outside"),
    ("target_below_band", REPS, "target = 90\n", "target = 60\n", "rules[0].target", "outside"),
    ("empty_band", REPS, "min = 70\nmax = 120\ntarget = 90", "min = 120\nmax = 70", "rules[0].min", "empty"),
    ("missing_cue_above", REPS, 'cue_above = "Stay tall."', "", "rules[1].cue_above", "missing"),
    ("missing_cue_below", REPS, 'cue_below = "Go lower."', "", "rules[0].cue_below", "missing"),
    ("missing_cue_tolerance", HOLD, 'cue_above = "Bend less."', "", "rules[0].cue_above", "missing"),
    ("duplicate_rule_id", REPS, 'id = "upright"', 'id = "depth"', "rules[1].id", "duplicate"),
    ("wrong_id", REPS, 'id = "{id}"', 'id = "something_else"', "id", "must match the file name"),
    ("string_for_number", REPS, "min = 70", 'min = "70"', "rules[0].min", "must be float"),
    ("bool_for_number", REPS, "start = 30", "start = true", "reps.start", "must be float"),
    ("string_for_list", REPS, 'phases = ["end"]', "phases = 3", "rules[0].phases", "must be list or str"),
    ("hold_table_missing", HOLD, "[hold]\nmin_s = 30\nmax_s = 60\nmilestones_left_s = [10]\n", "", "hold", "needs"),
    ("reps_table_missing", REPS, "[reps]", "[repetitions]", "reps", "needs"),
    ("extra_table_for_kind", HOLD, "[cues]", "[reps]\nmetric = 'knee_flexion'\n\n[cues]", "reps", "has no"),
    ("side_in_bilateral", REPS, 'metric = "trunk_lean"', 'metric = "{side}_hip_flexion"', "rules[1].metric", "{side}"),
    ("no_band", REPS, "max = 20\n", "", "rules[1].target", "needs"),
    ("tolerance_without_target", REPS, "max = 20\n", "tolerance = 5\n", "rules[1].tolerance", "needs a target"),
    ("negative_tolerance", HOLD, "tolerance = 20", "tolerance = -20", "rules[0].tolerance", "> 0"),
    ("unknown_phase", REPS, 'phases = ["end"]', 'phases = ["bottom"]', "rules[0].phases", "unknown phase"),
    ("hold_phase_in_reps", REPS, 'phases = ["end"]', 'phases = ["hold"]', "rules[0].phases", '"hold"'),
    ("bad_schema_version", REPS, "schema_version = 1", "schema_version = 2", "schema_version", "version"),
    ("unknown_kind", REPS, 'kind = "reps"', 'kind = "sets"', "kind", "must be one of"),
    ("unknown_view", REPS, 'view = "side"', 'view = "top"', "view", "must be one of"),
    ("unknown_posture", REPS, 'view = "side"', 'view = "side"\nposture = "upside_down"', "posture", "must be one of"),
    (
        "view_tolerance_zero",
        REPS,
        'view = "side"',
        'view = "side"\nview_tolerance_deg = 0',
        "view_tolerance_deg",
        "> 0",
    ),
    (
        "view_tolerance_too_wide",
        REPS,
        'view = "side"',
        'view = "side"\nview_tolerance_deg = 120',
        "view_tolerance_deg",
        "at most 90",
    ),
    ("relative_absolute_band", REPS, "target = 5\n", "target = 5\nrelative = true\n", "reps.relative", "fractions"),
    (
        "relative_window_too_long",
        REPS,
        "start = 30\nend = 80\n",
        "start = 0.3\nend = 0.7\nrelative = true\nwindow_s = 600\n",
        "reps.window_s",
        "at most 60",
    ),
    ("rest_margin_past_end", REPS, "end = 80\n", "end = 80\nrest_margin = 60\n", "reps.rest_margin", "under"),
    ("rest_margin_negative", REPS, "end = 80\n", "end = 80\nrest_margin = -5\n", "reps.rest_margin", "> 0"),
    (
        "swing_sides_absolute",
        REPS,
        "end = 80\n",
        'end = 80\nswing_sides = ["right", "left"]\n',
        "reps.swing_sides",
        "relative",
    ),
    (
        "swing_sides_unknown",
        REPS,
        "start = 30\nend = 80\n",
        'start = 0.3\nend = 0.7\nrelative = true\nswing_sides = ["up", "down"]\n',
        "reps.swing_sides",
        '"left", "right"',
    ),
    ("unknown_side", HOLD, 'sides = ["left", "right"]', 'sides = ["left", "middle"]', "sides", "unknown side"),
    ("both_not_alone", HOLD, 'sides = ["left", "right"]', 'sides = ["left", "both"]', "sides", "stands alone"),
    ("no_source", REPS, 'source = ["001_test.txt"]', "source = []", "source", "cite"),
    ("missing_name", REPS, 'name = "Test reps"\n', "", "name", "required"),
    ("missing_cues", REPS, '[cues]\nstart = "Go."\ndone = "Done."\n', "", "cues", "required"),
    ("unknown_cue_key", REPS, 'done = "Done."', 'done = "Done."\nlouder = true', "cues.louder", "unknown key"),
    ("milestone_too_late", HOLD, "milestones_left_s = [10]", "milestones_left_s = [30]", "hold.milestones_left_s", ""),
    ("max_below_min", HOLD, "max_s = 60", "max_s = 20", "hold.max_s", "below min_s"),
    ("zero_hold", HOLD, "min_s = 30", "min_s = 0", "hold.min_s", "> 0"),
    (
        "negative_grace",
        REPS,
        'cue_above = "Stay tall."',
        'cue_above = "Stay tall."\ngrace_s = -1',
        "rules[1].grace_s",
        ">= 0",
    ),
    ("direction_word", REPS, 'direction = "increase"', 'direction = "up"', "reps.direction", "must be one of"),
    (
        "setup_unknown_part",
        REPS,
        "[cues]",
        '[setup]\nparts = ["shoulder", "toe"]\n\n[cues]',
        "setup.parts",
        "unknown body part",
    ),
    (
        "setup_unknown_measurement",
        REPS,
        "[cues]",
        '[[setup.require]]\nmetric = "knee_angle"\nmin = 50\nhint = "Bend."\n\n[cues]',
        "setup.require[0].metric",
        "unknown measurement",
    ),
    (
        "source_cue_without_reason",
        REPS,
        "[cues]",
        '[[source_cues]]\nsays = "Keep your spine long."\n\n[cues]',
        "source_cues[0].why",
        "reason",
    ),
    (
        "source_cue_unknown_checker",
        REPS,
        "[cues]",
        '[[source_cues]]\nsays = "Go low."\nchecked_by = ["deep"]\n\n[cues]',
        "source_cues[0].checked_by",
        "neither a rule id",
    ),
    (
        "source_cue_other_kinds_table",
        REPS,
        "[cues]",
        '[[source_cues]]\nsays = "Hold it."\nchecked_by = ["hold"]\n\n[cues]',
        "source_cues[0].checked_by",
        "neither a rule id",
    ),
    (
        "source_cue_empty",
        REPS,
        "[cues]",
        '[[source_cues]]\nsays = " "\nwhy = "x"\n\n[cues]',
        "source_cues[0].says",
        "quote",
    ),
    (
        "setup_require_unknown_key",
        REPS,
        "[cues]",
        '[[setup.require]]\nmetric = "knee_flexion"\nmin = 50\nhint = "Bend."\nwhy = "x"\n\n[cues]',
        "setup.require[0].why",
        "unknown key",
    ),
]


@pytest.mark.parametrize(
    ("name", "template", "old", "new", "key", "words"),
    MALFORMED,
    ids=[m[0] for m in MALFORMED],
)
def test_malformed_file_gets_a_named_error(tmp_path, name, template, old, new, key, words):
    path = write(tmp_path, name, edit(template, old, new))
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"{path.name}: {key}: " in message, message
    assert words in message


def three_problems(tmp_path: Path) -> Path:
    """A reps file with an unknown top-level key, an impossible end threshold and a rule's unknown key."""
    text = edit(REPS, 'name = "Test reps"', 'name = "Test reps"\ncolour = "red"')
    text = edit(text, "end = 80", "end = 20")
    return write(
        tmp_path, "three_problems", edit(text, 'cue_above = "Stay tall."', 'cue_above = "Stay tall."\nwhy = "x"')
    )


def test_every_problem_in_a_file_is_reported(tmp_path):
    path = three_problems(tmp_path)
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{path}: reps.end: the end threshold 20 must lie beyond start 30")
    assert problems[1] == f"{path}: rules[1].why: unknown key (check the spelling; see `formcoach exercises --help`)"
    assert problems[2].startswith(f"{path}: colour: unknown key")
    # A command that loads the file says the first on one line, and where to see the rest.
    assert str(caught.value) == f"{problems[0]} (and 2 more: `formcoach exercises validate {path}` lists them)"


def test_a_bad_kind_or_sides_still_lets_the_rest_be_checked(tmp_path):
    text = edit(HOLD, 'kind = "hold"', 'kind = "hodl"')
    text = edit(text, 'sides = ["left", "right"]', 'sides = ["lft"]')
    path = write(tmp_path, "bad_kind", edit(text, "max_s = 60", "max_s = 10"))
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    keys = [problem.removeprefix(f"{path}: ").split(":")[0] for problem in caught.value.problems]
    assert keys == ["kind", "sides", "hold.max_s"]  # the {side} rule checks against either leg: no complaint


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "broken", REPS + "\n[[rules]\n")
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert str(path) in str(caught.value)
    assert "not valid TOML" in str(caught.value)


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert str(path) in str(caught.value)


def test_one_bad_file_stops_the_library_load(tmp_path):
    write(tmp_path, "good_one", REPS)
    bad = write(tmp_path, "bad_one", edit(REPS, "end = 80", "end = 20"))
    with pytest.raises(ExerciseFileError) as caught:
        load_library(tmp_path)
    assert bad.name in str(caught.value)
    bad.unlink()
    assert set(load_library(tmp_path)) == {"good_one"}


def test_sides_both_is_the_default(tmp_path):
    exercise = parse_exercise(write(tmp_path, "bilateral", edit(REPS, 'sides = ["both"]\n', "")))
    assert exercise.sides == (BOTH,)
    assert exercise.for_side(BOTH).rules == exercise.rules


def test_integers_are_accepted_where_numbers_are_asked(tmp_path):
    exercise = parse_exercise(write(tmp_path, "ints", REPS))
    assert exercise.reps is not None
    assert isinstance(exercise.reps.start, float)
    assert exercise.reps.start == 30.0
    assert exercise.reps.target == 5


# -- loader gaps (known bugs: each test shows the expected behaviour) ---------------------


def test_milestone_string_gets_a_named_error(tmp_path):
    path = write(tmp_path, "ms_str", edit(HOLD, "milestones_left_s = [10]", 'milestones_left_s = ["ten"]'))
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert f"{path.name}: hold.milestones_left_s: " in str(caught.value)


def test_empty_sides_hold_gets_a_named_error(tmp_path):
    text = edit(HOLD, 'sides = ["left", "right"]', "sides = []").replace("_knee_flexion", "_nonsense")
    path = write(tmp_path, "sides_empty", text)
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert f"{path.name}: sides: " in str(caught.value)


def test_empty_sides_reps_gets_a_named_error(tmp_path):
    path = write(tmp_path, "sides_empty_reps", edit(REPS, 'sides = ["both"]', "sides = []"))
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert f"{path.name}: sides: " in str(caught.value)


def test_negative_hold_grace_gets_a_named_error(tmp_path):
    path = write(tmp_path, "hold_grace_neg", edit(HOLD, "max_s = 60", "max_s = 60\ngrace_s = -1"))
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path)
    assert f"{path.name}: hold.grace_s: " in str(caught.value)
