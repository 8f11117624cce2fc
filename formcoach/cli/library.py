"""The library and the machine: exercises, measurements, pose models, `doctor`."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import ExerciseFileError, exercise_files, find_exercise, load_library, parse_exercise
from formcoach.exercises.table import band_text, dose_text, library_markdown
from formcoach.logs import log_path
from formcoach.measurements import MEASUREMENTS
from formcoach.places import EXERCISES_DIR, MODELS_DIR, config_path
from formcoach.pose.models import download_model, load_manifest, resolve_model, sha256_of
from formcoach.safety import SAFETY_NOTE
from formcoach.sources import list_cameras

if TYPE_CHECKING:
    pass

from formcoach.cli.common import app, console, err_console, exercises_app, models_app, safe_text


def measurements_markdown() -> str:
    """The README's measurement table, generated from the registry so the two never drift."""
    lines = ["| measurement | unit | convention | judged from |", "|---|---|---|---|"]
    lines += [
        f"| `{name}` | {m.unit} | {m.description} | {m.views()} |"
        for name, m in MEASUREMENTS.items()
        if not name.endswith("_3d")
    ]
    return "\n".join(lines)


@app.command("measurements")
def list_measurements(
    markdown: Annotated[
        bool, typer.Option("--markdown", metavar="", help="Print the README's Markdown table.")
    ] = False,
) -> None:
    """Every measurement an exercise rule can use, with its convention.

    Each also exists as `<name>_3d` from MediaPipe's world landmarks (view-independent joint
    angles) unless noted.

    Example: `formcoach measurements --markdown`
    """
    if markdown:
        print(measurements_markdown())
        return
    table = Table("name", "unit", "convention", "judged from")
    for name, m in MEASUREMENTS.items():
        table.add_row(name, m.unit, m.description, m.views())
    console.print(table)


@models_app.callback()
def models_list(ctx: typer.Context) -> None:
    """List the pose models: name, file, status (verified / missing / not downloaded)."""
    if ctx.invoked_subcommand:
        return
    table = Table("name", "file", "status", "license", "provenance")
    for info in load_manifest().values():
        try:
            resolve_model(info.name)
            status = "[green]ok, checksum verified[/]"
        except FormcoachError as error:
            status = f"[yellow]{error}[/]"
        table.add_row(info.name, info.file, status, info.license, info.provenance)
    console.print(table)


@models_app.command("download")
def models_download(
    name: Annotated[str, typer.Argument(help="lite or heavy.")],
    url: Annotated[str | None, typer.Option(help="Fetch from this URL instead of MediaPipe's pinned one.")] = None,
) -> None:
    """Download an optional official model bundle (needs internet). Verified before it is kept.

    Example: `formcoach models download lite`
    """
    models = load_manifest()
    if name not in models:
        raise FormcoachError(f"unknown model {name!r}; choose one of {', '.join(models)}")
    info = models[name]
    with Progress(console=err_console, disable=not err_console.is_terminal, transient=True) as progress:
        task = progress.add_task(f"Downloading {info.file}", total=None)
        path = download_model(
            info, MODELS_DIR, url, lambda done, total: progress.update(task, completed=done, total=total)
        )
    console.print(f"saved {safe_text(path)} (sha256 {sha256_of(path)[:16]}…)")


@exercises_app.command("list")
def exercises_list() -> None:
    """The exercises in the library.

    Example: `formcoach exercises list`
    """
    table = Table("id", "name", "kind", "view", "sides", "target")
    for ex in load_library().values():
        table.add_row(ex.id, ex.name, ex.kind.value, ex.view.value, ", ".join(ex.sides), dose_text(ex))
    console.print(table)


@exercises_app.command("table")
def exercises_table(
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", help="Write the page here.")] = None,
) -> None:
    """The shipped library as one Markdown page: each exercise's source cues, rules and advice.

    Example: `formcoach exercises table --out docs/exercises.md`
    """
    page = library_markdown(load_library(EXERCISES_DIR))
    if out is None:
        print(page, end="")
        return
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise FormcoachError(f"cannot write {out}: {error.strerror}") from None
    console.print(f"wrote {safe_text(out)}")


@exercises_app.command("show")
def exercises_show(exercise_id: Annotated[str, typer.Argument(help="Exercise id, e.g. couch_stretch.")]) -> None:
    """Everything about one exercise: placement, targets, rules and cues.

    Example: `formcoach exercises show couch_stretch`
    """
    ex = find_exercise(exercise_id)
    console.print(
        f"[bold]{safe_text(ex.name)}[/] ({ex.id}) — {ex.kind.value}, {ex.view.value} view, sides: {', '.join(ex.sides)}"
    )
    if ex.description:
        console.print(ex.description)
    console.print(f"Camera: {safe_text(ex.placement)}")
    console.print(f"Sources: {safe_text(', '.join(ex.sources))}")
    if ex.hold:
        console.print(
            f"Hold {ex.hold.min_s:g}–{ex.hold.max_s:g} s (form breaks under {ex.hold.grace_s:g} s don't pause it)"
        )
    if ex.reps:
        r = ex.reps
        direction = "increasing" if r.increasing else "decreasing"
        console.print(
            f"Reps: {r.sets} × {r.target} on {r.metric} ({direction}): start {r.start:g} → end {r.end:g}, "
            f"rest {r.rest_s:g} s"
        )
    table = Table("rule", "measurement", "good band", "phases", "blocking", "cues")
    for rule in ex.rules:
        cues = " / ".join(c for c in (rule.cue_below, rule.cue_above) if c)
        blocking = "yes" if rule.blocking else "no"
        table.add_row(rule.id, rule.metric, band_text(rule), ", ".join(rule.phases), blocking, cues)
    console.print(table)
    for advice in ex.advice:
        console.print(f"Advice: {safe_text(advice)}")
    for cue in ex.source_cues:
        checked = ", ".join(cue.checked_by) or "spoken as advice"
        why = f" — {safe_text(cue.why)}" if cue.why else ""
        console.print(f"Source: “{safe_text(cue.says)}” → {checked}{why}")
    console.print(f"[bold]Safety[/]: {SAFETY_NOTE}")


@exercises_app.command("validate")
def exercises_validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Exercise files (default: the whole library).")] = None,
) -> None:
    """Check exercise files strictly: every problem in every file, each naming the file and the key.

    Example: `formcoach exercises validate my_exercises/*.toml`
    """
    files = paths or exercise_files()
    problems = bad_files = 0
    for path in files:
        try:
            parse_exercise(path)
            console.print(f"[green]ok[/]  {safe_text(path)}")
        except ExerciseFileError as error:
            bad_files += 1
            problems += len(error.problems)
            for problem in error.problems:
                err_console.print(f"[red]bad[/] {safe_text(problem)}")
    if problems > 1:  # a single problem is its own summary
        err_console.print(f"{problems} problems in {bad_files} of {len(files)} files")
    if bad_files:
        raise typer.Exit(1)


@dataclass(frozen=True)
class Check:
    """One row of `formcoach doctor`: what was checked, whether it is fine, and the detail."""

    name: str
    ok: bool
    detail: str


def _model_check() -> Check:
    try:
        return Check("Pose model", True, f"{resolve_model('full').name}, checksum verified")
    except FormcoachError as error:
        return Check("Pose model", False, str(error))


def _speech_check() -> Check:
    try:
        from formcoach.feedback.speech import probe_speech
    except ImportError as error:
        return Check("Speech", False, f"speech module unavailable: {error}")
    return Check("Speech", *probe_speech())


def _library_check() -> Check:
    try:
        return Check("Exercises", True, f"{len(load_library())} exercise files valid")
    except FormcoachError as error:
        return Check("Exercises", False, str(error))


def doctor_checks() -> list[Check]:
    from formcoach.coach import display_available

    python_ok = sys.version_info >= (3, 11)
    cameras = list_cameras()
    no_camera = "none found; use --source FILE to coach from a video"
    display = display_available()
    return [
        Check("Python", python_ok, platform.python_version() if python_ok else "needs Python 3.11 or newer"),
        _model_check(),
        Check("Cameras", bool(cameras), f"found {cameras}" if cameras else no_camera),
        _speech_check(),
        Check("Display", display, "available" if display else "no display; use --no-window (or run under Xvfb)"),
        _library_check(),
    ]


@app.command()
def doctor() -> None:
    """Check this machine: Python, pose model, cameras, speech engine, display, exercise files.

    Exits with 1 when any check needs fixing. Example: `formcoach doctor`
    """
    checks = doctor_checks()
    table = Table("check", "status", "detail")
    for check in checks:
        table.add_row(check.name, "[green]OK[/]" if check.ok else "[yellow]FIX[/]", check.detail)
    console.print(table)
    console.print(f"log of the last command: {log_path()}")
    console.print(f"your settings (exercise folders, recordings): {config_path()}")
    failing = [check.name for check in checks if not check.ok]
    if failing:
        err_console.print(f"{len(failing)} of {len(checks)} checks need fixing: {', '.join(failing)}")
        raise typer.Exit(1)
    console.print("everything is ready")
