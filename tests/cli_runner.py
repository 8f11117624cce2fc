"""Runs the `formcoach` command in this process, as a user's shell would, but fast."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from formcoach.cli import run


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> CliResult:
    """``formcoach ARGS…``: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())
