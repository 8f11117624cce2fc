"""The sources' safety advice reaches the user, and docs/exercises.md is the library's own table."""

from __future__ import annotations

import re
from pathlib import Path

from cli_runner import run_cli
from footage import SHARED, require
from test_exercise_files import plain

from formcoach.exercises.loader import load_library
from formcoach.exercises.table import library_markdown
from formcoach.places import EXERCISES_DIR
from formcoach.safety import SAFETY_NOTE, SOURCE_WORDS, WARM_UP

REPO = Path(__file__).resolve().parents[1]
DOCS_TABLE = REPO / "docs" / "exercises.md"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_safety_advice_rests_on_the_sources_words() -> None:
    sources = require(SHARED / "sources")
    for name, words in SOURCE_WORDS:
        assert plain(words) in plain((sources / name).read_text(encoding="utf-8")), (name, words)
    assert "surgery or an injury" in SAFETY_NOTE and "more than a week" in SAFETY_NOTE
    assert "warm up" in WARM_UP


def test_exercises_show_ends_with_the_safety_note() -> None:
    result = run_cli("exercises", "show", "lunge")
    assert result.code == 0, result.err
    assert flat(f"Safety: {SAFETY_NOTE}") in flat(result.out)
    # The source cues are shown with what checks them.
    assert flat("Make sure your back knee hovers just above the floor.") in flat(result.out)


def test_readme_gives_the_safety_note_as_the_code_has_it() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- safety:start -->(.*?)<!-- safety:end -->", text, re.S)
    assert match, "README lost its safety markers"
    assert flat(match.group(1)) == f"{SAFETY_NOTE} {WARM_UP}"


def test_docs_exercise_table_is_generated_from_the_files() -> None:
    page = library_markdown(load_library(EXERCISES_DIR))
    assert DOCS_TABLE.read_text(encoding="utf-8") == page, (
        "docs/exercises.md is stale: regenerate it with `formcoach exercises table --out docs/exercises.md`"
    )


def test_docs_exercise_table_lists_every_exercise_with_its_cues_rules_and_advice() -> None:
    page = DOCS_TABLE.read_text(encoding="utf-8")
    assert SAFETY_NOTE in page
    for exercise in load_library(EXERCISES_DIR).values():
        section = page.split(f"(`{exercise.id}`)\n", 1)[1].split("\n## ", 1)[0]
        for cue in exercise.source_cues:
            assert flat(cue.says).replace("|", "\\|") in section, (exercise.id, cue.says)
        for rule in exercise.rules:
            assert f"| `{rule.id}` | `{rule.metric}` |" in section, (exercise.id, rule.id)
        for item in exercise.advice:
            assert f"- Advice: {flat(item)}" in section, (exercise.id, item)


def test_exercises_table_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "exercises.md"
    result = run_cli("exercises", "table", "--out", str(out))
    assert result.code == 0, result.err
    assert out.read_text(encoding="utf-8") == DOCS_TABLE.read_text(encoding="utf-8")
