"""The `formcoach` command, one module per command group (coaching, library, sessions, tools)
sharing the options and helpers of ``common``. The only package that talks to the terminal."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from formcoach import __version__
from formcoach.cli import coaching, library, sessions, tools
from formcoach.cli.common import app, console, err_console, safe_text
from formcoach.errors import FormcoachError
from formcoach.logs import log_path, route_output_to_log

COMMAND_GROUPS = (coaching, library, sessions, tools)  # importing them registers their commands


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", metavar="", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"formcoach {__version__}")
        raise typer.Exit()


def _fail(message: str) -> NoReturn:
    # Escaped: a path or an id with [brackets] is text, not rich markup.
    err_console.print(f"[red]error:[/] {safe_text(message)}", highlight=False, soft_wrap=True)
    sys.exit(2)


def main() -> None:
    """The `formcoach` command: the native libraries' log lines go to the log file, never onto
    the terminal."""
    route_output_to_log(log_path())
    run()


def run(argv: list[str] | None = None) -> None:
    """Runs one command: a clear one-line error and a non-zero exit instead of a traceback."""
    try:
        app(args=argv, prog_name="formcoach")
    except FormcoachError as error:
        _fail(str(error))
    except OSError as error:  # a file the user named that the system refuses: still one line
        _fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
    except KeyboardInterrupt:
        err_console.print("stopped")
        sys.exit(130)
