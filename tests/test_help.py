"""`--help` teaches in words: every command names what its options take and gives an example."""

from __future__ import annotations

import re

import pytest
import typer

from formcoach.cli import app
from tests.cli_runner import run_cli


def _commands() -> list[tuple[str, ...]]:
    group = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", {})
        if not subs:
            found.append(path)
        for name, sub in subs.items():
            walk(sub, (*path, name))

    walk(group, ())
    return found


COMMANDS = _commands()


def test_every_command_is_walked():
    assert ("coach",) in COMMANDS and ("sessions", "list") in COMMANDS and len(COMMANDS) > 15


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_no_type_labels_and_an_example(command):
    result = run_cli(*command, "--help")
    assert result.code == 0, result.err
    # typer labels untyped values <bool>, <str>, <path>, <int>, <list[Path]>.
    panels = "\n".join(line for line in result.out.splitlines() if line.startswith("│"))
    assert not re.search(r"<[a-z][a-zA-Z\[\]]*>", panels), panels
    assert "Example" in result.out or "example" in result.out, result.out


def test_an_option_that_takes_a_value_names_it():
    out = run_cli("coach", "--help").out
    assert re.search(r"--side\s+SIDE", out), out
    assert re.search(r"--help\s+Show this message", out), out
