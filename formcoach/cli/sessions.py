"""Looking back: `replay`, `report`, `history` and `sessions`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise
from formcoach.files import inside

if TYPE_CHECKING:
    from formcoach.exercises.schema import ExerciseDef
    from formcoach.recording.reader import Recording

from formcoach.cli.common import (
    RecordingsOption,
    app,
    console,
    err_console,
    file_to_write,
    print_summary,
    progress_bar,
    recordings_folder,
    safe_text,
    sessions_app,
)


def _session_folder(path: Path, recordings: Path | None) -> Path:
    """A session's folder: a name resolves only inside the recordings folder (no ``..``, no
    symlink out of it); any other existing folder is the path the user typed. One exercise's
    recording, or a routine's folder holding one per exercise."""
    from formcoach.recording.reader import find_recordings

    root = recordings_folder(recordings)
    if not path.is_absolute() and ".." not in path.parts and (root / path).is_dir():
        folder = root / path
        if not inside(root, folder):
            raise FormcoachError(f"recording {path} is a link out of {root}; refusing it")
    elif path.is_dir():
        folder = path
    else:
        raise FormcoachError(f"no recording {path} (see `formcoach sessions list`)")
    if not (folder / "meta.json").exists() and not find_recordings(folder):
        raise FormcoachError(f"{folder} is not a formcoach recording nor a routine's folder (no meta.json in it)")
    return folder


def _recordings_in(folder: Path) -> list[Recording]:
    """The recording in ``folder``, or each exercise's of a routine's folder, oldest first;
    damaged lines skipped are said once each."""
    from formcoach.recording.reader import find_recordings, load_recording

    inner = [folder] if (folder / "meta.json").exists() else list(reversed(find_recordings(folder)))
    found = [load_recording(f) for f in inner]
    for recording in found:
        for damage in recording.damage:
            err_console.print(f"warning: {safe_text(recording.folder)}: {damage}", highlight=False)
    return found


def _session(path: Path, recordings: Path | None) -> Recording:
    """One exercise's recording; a routine's folder names the ones to choose from."""
    folder = _session_folder(path, recordings)
    found = _recordings_in(folder)
    if len(found) > 1 or found[0].folder != folder:
        names = ", ".join(r.folder.name for r in found)
        raise FormcoachError(f"{folder.name} is a routine's folder: choose one of its exercises ({names})")
    return found[0]


@app.command("replay")
def replay_command(
    session: Annotated[Path, typer.Argument(help="A recording folder, or its name in --recordings.")],
    export: Annotated[
        Path | None, typer.Option(help="Render the annotated video to this file (.mp4).", callback=file_to_write)
    ] = None,
    reanalyze: Annotated[
        bool,
        typer.Option(
            "--reanalyze",
            metavar="",
            help="Re-run the current exercise files on the recorded poses and show what changed.",
        ),
    ] = False,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Each frame's measurements and rule verdicts (rule:ID 1 kept, 0 broken) as CSV.",
            callback=file_to_write,
        ),
    ] = None,
    mot_out: Annotated[
        Path | None, typer.Option("--mot", help="Write the measurement series as OpenSim .mot.", callback=file_to_write)
    ] = None,
    recordings: RecordingsOption = None,
) -> None:
    """Play a recorded session with the live overlay and a timeline of reps, holds and corrections.

    Keys: **space** pause · **,** / **.** step · **[** / **]** seek 5 s · **-** / **+** speed · **q** quit.
    With `--export`, `--reanalyze`, `--csv` or `--mot` it writes or reports instead of playing.

    Example: `formcoach replay 2026-03-02_180000_lunge --export lunge.mp4`
    """
    from formcoach import replay as rp
    from formcoach.coach import display_available

    recording = _session(session, recordings)
    exercise = find_exercise(recording.exercise_id)
    acted = False
    if reanalyze:
        acted = True
        _print_reanalysis(recording, exercise)
    if csv_out or mot_out:
        acted = True
        _write_series(recording, exercise, csv_out, mot_out)
    if export:
        acted = True
        with progress_bar(f"Exporting {export.name}", len(recording.poses)) as progress:
            written = rp.export_video(recording, export, exercise, lambda n: progress.advance(progress.task_ids[0], n))
        console.print(f"{written} frames → {safe_text(export)}")
    if acted:
        return
    if not display_available():
        raise FormcoachError("replay needs a display; use --export OUT.mp4 to render the annotated video instead")
    rp.Player(recording, exercise).play()


def _print_reanalysis(recording: Recording, exercise: ExerciseDef) -> None:
    """What the current exercise file makes of the recorded poses, and what it changes."""
    from formcoach import replay as rp

    steps = rp.reanalyze(recording, exercise)
    changes = rp.compare_events(recording.events, [e for step in steps for e in step.update.events])
    print_summary(rp.reanalysis_summary(steps, exercise))
    if not changes:
        console.print("[green]Re-analysis with the current exercise file gives the same reps, holds and cues.[/]")
    for change in changes:
        sign = "[green]+[/]" if change.kind == "added" else "[red]-[/]"
        event = change.event
        console.print(f"{sign} {event.t:7.2f} s  {event.kind.value:12s} {event.key:14s} {safe_text(event.message)}")


def _write_series(recording: Recording, exercise: ExerciseDef, csv_out: Path | None, mot_out: Path | None) -> None:
    """Each frame's measurements (and, in the CSV, rule verdicts) as CSV and/or OpenSim .mot."""
    from formcoach import replay as rp

    names, rows = rp.measurement_series(recording, exercise, with_rules=True)
    if csv_out:
        rp.write_csv(names, rows, csv_out)
        console.print(f"{len(rows)} rows → {safe_text(csv_out)}")
    if mot_out:
        angles = [i for i, name in enumerate(names) if not name.startswith("rule:")]  # what OpenSim reads
        rp.write_mot([names[i] for i in angles], [[row[0], *(row[i + 1] for i in angles)] for row in rows],
                     mot_out, f"formcoach {exercise.id} {recording.folder.name}")  # fmt: skip
        console.print(f"{len(rows)} rows → {safe_text(mot_out)}")


@app.command()
def report(
    session: Annotated[Path, typer.Argument(help="A recording folder, or its name in --recordings.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML (default: report.html in the session).", callback=file_to_write),
    ] = None,
    recordings: RecordingsOption = None,
) -> None:
    """One self-contained HTML page for a session: summary, each correction with a picture,
    every measurement over time against its target band, and range of motion per side.

    Example: `formcoach report 2026-03-02_180000_lunge`
    """
    from formcoach.report.session import write_session_report

    found = _recordings_in(_session_folder(session, recordings))
    if out is not None and len(found) > 1:
        raise FormcoachError("--out names one file, and a routine's folder makes one report per exercise")
    with progress_bar("Writing the report", None):
        paths = [write_session_report(recording.folder, out) for recording in found]
    for path in paths:
        console.print(f"report → {safe_text(path)}")


@app.command()
def history(
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML (default: history.html in --recordings).", callback=file_to_write),
    ] = None,
    recordings: RecordingsOption = None,
) -> None:
    """Progress over weeks: sessions per week against the plan (3–5 a week for 3–6 weeks),
    streaks, range of motion per exercise and side, corrections and pain over time.

    Example: `formcoach history`
    """
    from formcoach.report.history import write_history

    recordings = recordings_folder(recordings)
    if not recordings.exists():
        raise FormcoachError(f"no recordings in {recordings} yet: coach a session first")
    with progress_bar("Writing the history", None):
        path = write_history(recordings, out or recordings / "history.html")
    console.print(f"history → {safe_text(path)}")


@sessions_app.command("pain")
def sessions_pain(
    session: Annotated[Path, typer.Argument(help="Recording folder or name.")],
    before: Annotated[int | None, typer.Option(min=0, max=10, help="Pain before the session, 0–10.")] = None,
    after: Annotated[int | None, typer.Option(min=0, max=10, help="Pain after the session, 0–10.")] = None,
    recordings: RecordingsOption = None,
) -> None:
    """Add or correct a session's pain ratings (shown in its report and in the history).

    Example: `formcoach sessions pain 2026-03-02_180000_lunge --after 3`
    """
    from formcoach.report.pain import save_pain

    save_pain(_session_folder(session, recordings), before, after)
    console.print("saved")


@sessions_app.command("list")
def sessions_list(recordings: RecordingsOption = None) -> None:
    """Every recorded session, newest first; a damaged one is listed as damaged.

    Example: `formcoach sessions list`
    """
    from formcoach.recording.reader import find_recordings

    recordings = recordings_folder(recordings)
    table = Table("session", "exercise", "duration", "reps", "hold", "corrections")
    for folder in find_recordings(recordings):
        table.add_row(safe_text(folder.relative_to(recordings)), *_session_row(folder))
    console.print(table)


def _session_row(folder: Path) -> list[str]:
    """A session's exercise, duration, reps, hold and corrections; or why they are unknown."""
    from formcoach.recording.format import SUMMARY
    from formcoach.recording.reader import read_summary

    if not (folder / SUMMARY).exists():
        return ["?", "(interrupted: no summary)", "", "", ""]
    try:
        summary = read_summary(folder)
    except FormcoachError:
        return ["?", f"(damaged {SUMMARY})", "", "", ""]
    hold = summary.total_hold_s
    return [
        safe_text(summary.exercise),
        f"{summary.duration_s:.0f} s",
        str(summary.total_reps),
        f"{hold:.0f} s" if hold else "–",
        str(len(summary.cues)),
    ]


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; None when it is missing or damaged."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@sessions_app.command("show")
def sessions_show(
    session: Annotated[Path, typer.Argument(help="Recording folder or name.")],
    recordings: RecordingsOption = None,
) -> None:
    """A session's summary and corrections (each exercise's, for a routine's folder).

    Example: `formcoach sessions show 2026-03-02_180000_lunge`
    """
    folder = _session_folder(session, recordings)
    routine = _read_json(folder / "routine.json")
    if routine is not None and "done" in routine:  # a routine's folder: what was done of it first
        from formcoach.coach import RoutineProgress

        done, unfinished, not_started = (tuple(routine[key]) for key in ("done", "unfinished", "not_started"))
        console.print(RoutineProgress(done, unfinished, not_started).closing(routine["name"]))
    for recording in _recordings_in(folder):
        _show_recording(recording)


def _show_recording(recording: Recording) -> None:
    meta = recording.meta
    console.print(
        f"[bold]{safe_text(recording.folder.name)}[/]: "
        f"{safe_text(meta.get('exercise'))} from {safe_text(meta.get('source'))}"
    )
    size = f"{meta.get('width')}×{meta.get('height')}"
    console.print(
        f"started {meta.get('started_at')}; {len(recording.poses)} frames, {recording.duration_s:.1f} s, {size}"
    )
    if recording.summary:
        print_summary(recording.summary)
    else:
        console.print("no summary (the session was interrupted); `formcoach replay --reanalyze` rebuilds it")


@sessions_app.command("delete")
def sessions_delete(
    session: Annotated[Path, typer.Argument(help="Recording folder or name.")],
    yes: Annotated[bool, typer.Option("--yes", metavar="", help="Don't ask.")] = False,
    recordings: RecordingsOption = None,
) -> None:
    """Delete a recorded session for good.

    Example: `formcoach sessions delete 2026-03-02_180000_lunge`
    """
    import shutil

    folder = _session_folder(session, recordings)
    root = recordings_folder(recordings)
    # Only ever a recording inside the recordings folder: never a folder a `..`, an absolute
    # path or a symlink leads to.
    if folder.is_symlink() or not inside(root, folder):
        raise FormcoachError(f"{session} is not a recording inside {root}; nothing deleted")
    if not yes and not typer.confirm(f"Delete {folder}?"):
        raise typer.Exit(1)
    shutil.rmtree(folder)
    console.print(f"deleted {safe_text(folder)}")
