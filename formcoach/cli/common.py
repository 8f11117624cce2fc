"""What the commands share: the consoles, the app and its groups, options defined once, and
the helpers that turn user paths into safe ones and errors into one line."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcoach.background import live_loop_cpus
from formcoach.errors import FormcoachError
from formcoach.exercises.schema import BOTH
from formcoach.places import recordings_dir
from formcoach.sources import FrameSource, open_source
from formcoach.summary import RepRecord, Summary

if TYPE_CHECKING:
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator


# Piped output (CI logs, files) gets wide tables instead of rich's 80-column default.
console = Console() if sys.stdout.isatty() else Console(width=200)


err_console = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long


app = typer.Typer(
    help=(
        "formcoach watches you exercise through a camera, counts reps, times holds and "
        "speaks corrections.\n\nStart with `formcoach demo` (no camera needed), then "
        "`formcoach exercises list` and `formcoach coach EXERCISE` (camera) or "
        "`formcoach coach EXERCISE --source clip.mp4`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


models_app = typer.Typer(
    help="List the pose models, or download the optional lite/heavy ones.", invoke_without_command=True
)


exercises_app = typer.Typer(help="The exercise library: list, show, validate files.", no_args_is_help=True)


sessions_app = typer.Typer(help="Recorded sessions: list, show, delete.", no_args_is_help=True)


app.add_typer(models_app, name="models")


app.add_typer(exercises_app, name="exercises")


app.add_typer(sessions_app, name="sessions")


NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def _name_fits(path: Path, option: str) -> None:
    if any(len(part.encode()) > NAME_MAX for part in path.parts):
        raise FormcoachError(f"{option} {path}: a file name is longer than {NAME_MAX} bytes")


def file_to_write(param: typer.CallbackParam, path: Path | None) -> Path | None:
    """An output file's option checked before any work starts: not a folder, in a folder that
    exists (a mistyped folder is not created)."""
    if path is None:
        return None
    option = param.opts[0]
    _name_fits(path, option)
    if path.is_dir():
        raise FormcoachError(f"{option} {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise FormcoachError(f"{option} {path}: folder {path.parent} does not exist")
    return path


def folder_to_write(param: typer.CallbackParam, path: Path | None) -> Path | None:
    """An output folder's option checked before any work starts: not an existing file."""
    if path is None:
        return None
    _name_fits(path, param.opts[0])
    if path.exists() and not path.is_dir():
        raise FormcoachError(f"{param.opts[0]} {path} is a file; give a folder")
    return path


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        metavar="MODEL",
        help="Pose model: full (bundled), lite, heavy (after `models download`), or a .task file.",
    ),
]


def safe_text(value: object) -> str:
    """User text (a path, an id, a name) for rich output: ``[brackets]`` stay text, not markup."""
    return escape(str(value))


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Progress]:
    """A progress bar on a terminal; silent when output is piped or in CI logs."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
        transient=True,
    )
    with progress:
        progress.add_task(description, total=total)
        yield progress


@contextmanager
def live_run(
    source: Path | None, camera: int, model_path: Path, title: str, watch_others: bool = False
) -> Iterator[tuple[FrameSource, MediaPipePoseEstimator, Callable[[object], None]]]:
    """The camera or video, the landmarker and a progress bar (advanced by the callback),
    with the frame loop and the model kept on their own CPUs."""
    with (
        live_loop_cpus(),
        open_source(source, camera) as frames,
        pose_estimator(model_path, watch_others) as estimator,
        progress_bar(title, frames.frame_count) as progress,
    ):
        yield frames, estimator, lambda _: progress.advance(progress.task_ids[0])


def pose_estimator(model_path: Path, watch_others: bool = False) -> MediaPipePoseEstimator:
    # Imported here so that commands that need no model start fast and work without one.
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

    return MediaPipePoseEstimator(model_path, watch_others=watch_others)


WatchOthersOption = Annotated[
    bool,
    typer.Option(
        "--watch-others",
        metavar="",
        help="Someone else may come into view: stay on you, say so once, never count their moves "
        "(the pose model then looks for two people a frame: slower, and its landmarks a little less steady).",
    ),
]
SourceOption = Annotated[
    Path | None, typer.Option("--source", metavar="VIDEO", help="Coach from this video file instead of the camera.")
]


CameraOption = Annotated[int, typer.Option("--camera", metavar="N", help="Camera index (see `formcoach doctor`).")]


WindowOption = Annotated[bool, typer.Option("--window/--no-window", metavar="", help="Show the annotated video.")]


MuteOption = Annotated[bool, typer.Option("--mute", metavar="", help="Don't speak (cues still show on screen).")]


VoiceOption = Annotated[str | None, typer.Option(metavar="NAME", help="Speech voice id or part of its name.")]


RateOption = Annotated[int | None, typer.Option(metavar="WPM", help="Speech rate in words per minute.")]


SpeechWavOption = Annotated[
    Path | None,
    typer.Option(
        "--speech-wav",
        metavar="FOLDER",
        help="Render every utterance to WAV files in this folder.",
        callback=folder_to_write,
    ),
]


RecordOption = Annotated[
    bool, typer.Option("--record/--no-record", metavar="", help="Keep the session in --recordings.")
]


VideoOption = Annotated[
    bool, typer.Option("--video/--no-video", metavar="", help="Record the video (or landmarks only).")
]


RecordingsOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FOLDER", help="Where sessions are kept (default: your data folder, or `recordings` in config.toml)."
    ),
]


def recordings_folder(folder: Path | None) -> Path:
    return folder if folder is not None else recordings_dir()


PainOption = Annotated[
    int | None, typer.Option(min=0, max=10, metavar="0-10", help="Your pain now, 0–10 (kept with the session).")
]


PainAfterOption = Annotated[
    int | None,
    typer.Option(min=0, max=10, metavar="0-10", help="Pain after the session, 0–10 (else asked at the end)."),
]


def print_summary(summary: Summary) -> None:
    # The leg that did each rep comes from the pose: people alternate legs in lunges
    # whatever side the plan is on, so show it beside the plan's side.
    by_leg = any(rep.leg for rep in summary.reps)
    columns = ["side", "reps", *(["by leg"] if by_leg else []), "sets", "hold"]
    table = Table(*columns, title=f"{summary.name}: {summary.duration_s:.0f} s")
    for side, entry in summary.sides.items():
        sets = ", ".join(f"{s.reps}" for s in entry.sets) or "–"
        hold = f"{entry.hold_s:.0f} / {entry.hold_target_s:g} s" if entry.hold_target_s else "–"
        leg_cell = [_legs_cell(side, summary.reps_of(side))] if by_leg else []
        table.add_row(side, str(entry.reps), *leg_cell, sets, hold)
    console.print(table)
    if summary.cues:
        console.print(f"{len(summary.cues)} corrections:")
        for cue in summary.cues:
            console.print(f"  {cue.t:6.1f} s  {safe_text(cue.rule)}: {safe_text(cue.text)}")


def _legs_cell(side: str, reps: tuple[RepRecord, ...]) -> str:
    """How many of a side's reps each leg did; blank for a bilateral move (both legs work)."""
    if side == BOTH:
        return ""
    legs = Counter(rep.leg or "unknown" for rep in reps)
    return ", ".join(f"{n} {leg}" for leg, n in sorted(legs.items())) or "–"
