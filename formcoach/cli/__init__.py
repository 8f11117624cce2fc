"""The `formcoach` command, one module per command group (coaching, library, sessions, tools)
sharing the options and helpers of ``common``. The only package that talks to the terminal."""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

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


def _plain_metavars(command: Any) -> None:
    """`--help` in words: an option that takes a value shows its own name (``--side SIDE``)
    unless it names one; flags and arguments (whose name is already shown) show no type
    label — typer labels them ``<bool>``, ``<str>``, ``<path>``. typer's command tree (on its
    own vendored click) is walked by attribute."""
    for param in command.params:
        if getattr(param, "opts", None) and param.param_type_name == "argument":
            param.display_type_rich = lambda **_: None
        elif param.metavar is None:
            flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
            param.metavar = "" if flag else (param.name or "value").upper()
    get_help_option = command.get_help_option

    def help_option_without_type(ctx: Any) -> Any:
        option = get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option_without_type
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


def run(argv: list[str] | None = None) -> None:
    """Runs one command: a clear one-line error and a non-zero exit instead of a traceback."""
    command = typer.main.get_command(app)
    _plain_metavars(command)
    try:
        command.main(args=argv, prog_name="formcoach")
    except FormcoachError as error:
        _fail(str(error))
    except OSError as error:  # a file the user named that the system refuses: still one line
        _fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
    except KeyboardInterrupt:
        err_console.print("stopped")
        sys.exit(130)
