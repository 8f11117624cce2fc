"""The README's measurement table is the registry's, so the docs cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from formcoach.cli.library import measurements_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_measurement_table_matches_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- measurements:start -->\n(.*?)<!-- measurements:end -->", text, re.S)
    assert match, "README lost its measurements markers"
    assert match.group(1).strip() == measurements_markdown().strip(), (
        "README table is stale: regenerate it with `formcoach measurements --markdown`"
    )


def test_readme_first_screen_gives_the_two_commands() -> None:
    first_screen = README.read_text(encoding="utf-8").split("---")[0]
    assert "./scripts/setup && .venv/bin/formcoach demo" in first_screen  # shows the coach without a camera
    assert ".venv/bin/formcoach coach glute_bridge" in first_screen
    assert "./scripts/test" in first_screen
    ci = (README.parent / ".ci" / "run").read_text()
    assert "./scripts/test" in ci
