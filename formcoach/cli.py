"""The `formcoach` command. The only module that talks to the terminal."""

from __future__ import annotations

import csv
import math
import platform
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcoach import __version__
from formcoach.background import live_loop_cpus
from formcoach.errors import FormcoachError
from formcoach.exercises.loader import exercise_files, find_exercise, load_library, parse_exercise
from formcoach.exercises.schema import BOTH
from formcoach.files import inside
from formcoach.logs import log_path, route_output_to_log
from formcoach.measurements import MEASUREMENTS, measure
from formcoach.places import MODELS_DIR, config_path, recordings_dir
from formcoach.pose.models import download_model, load_manifest, resolve_model, sha256_of
from formcoach.smoothing import PoseSmoother
from formcoach.sources import FrameSource, VideoFileSource, list_cameras, open_source
from formcoach.stopping import StopRequest, stop_on_signals

if TYPE_CHECKING:
    from formcoach.bench import BenchReport, RunFigures
    from formcoach.coach import CoachOptions
    from formcoach.evaluation.score import ClipScore
    from formcoach.exercises.schema import ExerciseDef
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator
    from formcoach.recording.reader import Recording

# Piped output (CI logs, files) gets wide tables instead of rich's 80-column default.
console = Console() if sys.stdout.isatty() else Console(width=200)
err_console = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long

app = typer.Typer(
    help=(
        "formcoach watches you exercise through a camera, counts reps, times holds and "
        "speaks corrections.\n\nStart with `formcoach exercises list`, then "
        "`formcoach coach EXERCISE` (camera) or `formcoach coach EXERCISE --source clip.mp4`."
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
    typer.Option("--model", help="Pose model: full (bundled), lite, heavy (after `models download`), or a .task file."),
]


def _t(value: object) -> str:
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
def _live_run(
    source: Path | None, camera: int, model_path: Path, title: str
) -> Iterator[tuple[FrameSource, MediaPipePoseEstimator, Callable[[object], None]]]:
    """The camera or video, the landmarker and a progress bar (advanced by the callback),
    with the frame loop and the model kept on their own CPUs."""
    with (
        live_loop_cpus(),
        open_source(source, camera) as frames,
        _estimator(model_path) as estimator,
        progress_bar(title, frames.frame_count) as progress,
    ):
        yield frames, estimator, lambda _: progress.advance(progress.task_ids[0])


def _estimator(model_path: Path) -> MediaPipePoseEstimator:
    # Imported here so that commands that need no model start fast and work without one.
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

    return MediaPipePoseEstimator(model_path)


@app.command()
def angles(
    source: Annotated[Path, typer.Option("--source", help="Video file to measure.")],
    csv_out: Annotated[
        Path | None,
        typer.Option("--csv", help="Write one row per frame here (default: stdout).", callback=file_to_write),
    ] = None,
    names: Annotated[
        str | None,
        typer.Option(
            "--measure", help="Comma-separated measurement names (default: all; see `formcoach measurements`)."
        ),
    ] = None,
    model: ModelOption = "full",
) -> None:
    """Measure every frame of a clip: one CSV row per frame with each measurement in degrees or ratios.

    NaN means the landmarks for that measurement were not visible enough.
    """
    wanted = tuple(n.strip() for n in names.split(",")) if names else tuple(MEASUREMENTS)
    unknown = [n for n in wanted if n not in MEASUREMENTS]
    if unknown:
        raise FormcoachError(f"unknown measurement {unknown[0]!r}; `formcoach measurements` lists them")
    model_path = resolve_model(model)
    with VideoFileSource(source) as video, _estimator(model_path) as estimator:
        out = csv_out.open("w", newline="") if csv_out else sys.stdout
        try:
            writer = csv.writer(out)
            writer.writerow(["frame", "t", "detected", "facing", *wanted])
            smoother = PoseSmoother()
            detected = 0
            with progress_bar(f"Measuring {video.name}", video.frame_count) as progress:
                for frame in video:
                    pose = smoother(estimator.estimate(frame), frame.t)
                    metrics = measure(pose, wanted, frame.t, frame.index)
                    detected += pose is not None
                    row = [frame.index, f"{frame.t:.4f}", int(pose is not None), metrics.facing.value]
                    writer.writerow(row + [f"{metrics.values[n]:.2f}" for n in wanted])
                    progress.advance(progress.task_ids[0])
                    total = frame.index + 1
        finally:
            if csv_out:
                out.close()
    if csv_out:
        console.print(
            f"{total} frames, person found in {detected} ({100 * detected / max(1, total):.0f}%) → {_t(csv_out)}"
        )


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
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README's Markdown table.")] = False,
) -> None:
    """Every measurement an exercise rule can use, with its convention.

    Each also exists as `<name>_3d` from MediaPipe's world landmarks (view-independent joint
    angles) unless noted.
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
    """Download an optional official model bundle (needs internet). Verified before it is kept."""
    models = load_manifest()
    if name not in models:
        raise FormcoachError(f"unknown model {name!r}; choose one of {', '.join(models)}")
    info = models[name]
    with Progress(console=err_console, disable=not err_console.is_terminal, transient=True) as progress:
        task = progress.add_task(f"Downloading {info.file}", total=None)
        path = download_model(
            info, MODELS_DIR, url, lambda done, total: progress.update(task, completed=done, total=total)
        )
    console.print(f"saved {_t(path)} (sha256 {sha256_of(path)[:16]}…)")


@exercises_app.command("list")
def exercises_list() -> None:
    """The exercises in the library."""
    table = Table("id", "name", "kind", "view", "sides", "target")
    for ex in load_library().values():
        if ex.hold:
            target = f"hold {ex.hold.min_s:g}–{ex.hold.max_s:g} s"
        elif ex.reps:
            target = f"{ex.reps.sets} × {ex.reps.target} reps"
        else:
            target = f"{ex.cycles.target} circles each way" if ex.cycles else ""
        table.add_row(ex.id, ex.name, ex.kind.value, ex.view.value, ", ".join(ex.sides), target)
    console.print(table)


@exercises_app.command("show")
def exercises_show(exercise_id: Annotated[str, typer.Argument(help="Exercise id, e.g. couch_stretch.")]) -> None:
    """Everything about one exercise: placement, targets, rules and cues."""
    ex = find_exercise(exercise_id)
    console.print(
        f"[bold]{_t(ex.name)}[/] ({ex.id}) — {ex.kind.value}, {ex.view.value} view, sides: {', '.join(ex.sides)}"
    )
    if ex.description:
        console.print(ex.description)
    console.print(f"Camera: {_t(ex.placement)}")
    console.print(f"Sources: {_t(', '.join(ex.sources))}")
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
        band = f"{rule.minimum:g} … {rule.maximum:g}".replace("-inf", "−∞").replace("inf", "∞")
        cues = " / ".join(c for c in (rule.cue_below, rule.cue_above) if c)
        table.add_row(rule.id, rule.metric, band, ", ".join(rule.phases), "yes" if rule.blocking else "no", cues)
    console.print(table)
    for advice in ex.advice:
        console.print(f"Advice: {_t(advice)}")


@exercises_app.command("validate")
def exercises_validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Exercise files (default: the whole library).")] = None,
) -> None:
    """Check exercise files strictly; every problem names the file and the key."""
    files = paths or exercise_files()
    failures = 0
    for path in files:
        try:
            parse_exercise(path)
            console.print(f"[green]ok[/]  {_t(path)}")
        except FormcoachError as error:
            failures += 1
            err_console.print(f"[red]bad[/] {_t(error)}")
    if failures:
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


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"formcoach {__version__}")
        raise typer.Exit()


def _sides_for(exercise_sides: tuple[str, ...], side: str | None) -> tuple[str, ...] | None:
    if side is None or side == "both":
        return None
    if side not in ("left", "right"):
        raise FormcoachError(f"--side must be left, right or both, not {side!r}")
    if exercise_sides == (BOTH,):
        return None  # a bilateral move: both sides work at once whatever was asked
    return (side,)


SourceOption = Annotated[
    Path | None, typer.Option("--source", help="Coach from this video file instead of the camera.")
]
CameraOption = Annotated[int, typer.Option("--camera", help="Camera index (see `formcoach doctor`).")]
WindowOption = Annotated[bool, typer.Option("--window/--no-window", help="Show the annotated video.")]
MuteOption = Annotated[bool, typer.Option("--mute", help="Don't speak (cues still show on screen).")]
VoiceOption = Annotated[str | None, typer.Option(help="Speech voice id or part of its name.")]
RateOption = Annotated[int | None, typer.Option(help="Speech rate in words per minute.")]
SpeechWavOption = Annotated[
    Path | None,
    typer.Option("--speech-wav", help="Render every utterance to WAV files in this folder.", callback=folder_to_write),
]
RecordOption = Annotated[bool, typer.Option("--record/--no-record", help="Keep the session in --recordings.")]
VideoOption = Annotated[bool, typer.Option("--video/--no-video", help="Record the video (or landmarks only).")]
RecordingsOption = Annotated[
    Path | None,
    typer.Option(help="Where sessions are kept (default: your data folder, or `recordings` in config.toml)."),
]


def _recordings(folder: Path | None) -> Path:
    return folder if folder is not None else recordings_dir()


PainOption = Annotated[int | None, typer.Option(min=0, max=10, help="Your pain now, 0–10 (kept with the session).")]
PainAfterOption = Annotated[
    int | None, typer.Option(min=0, max=10, help="Pain after the session, 0–10 (else asked at the end).")
]


@app.command()
def coach(
    exercise_id: Annotated[str, typer.Argument(metavar="EXERCISE", help="Exercise id (`formcoach exercises list`).")],
    side: Annotated[str | None, typer.Option(help="left, right or both (default: every side in order).")] = None,
    source: SourceOption = None,
    camera: CameraOption = 0,
    model: ModelOption = "full",
    window: WindowOption = True,
    mute: MuteOption = False,
    voice: VoiceOption = None,
    rate: RateOption = None,
    speech_wav: SpeechWavOption = None,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Also write the summary here.", callback=file_to_write)
    ] = None,
    record: RecordOption = True,
    video: VideoOption = True,
    recordings: RecordingsOption = None,
    pain: PainOption = None,
    pain_after: PainAfterOption = None,
) -> None:
    """Coach one exercise: camera setup, then reps or a hold timer with spoken corrections.

    Keys in the window: **space** pause · **n** next side · **r** restart the side · **q**/Esc stop and save.
    Without a display use `--no-window`: a progress line, then the summary.
    """
    from formcoach.coach import coach_session

    exercise = find_exercise(exercise_id)
    sides = _sides_for(exercise.sides, side)
    model_path = resolve_model(model)
    options = _coach_options(window, mute, voice, rate, speech_wav, record, video, recordings, summary_json, sides)
    # Signals stop the session (and are kept from interrupting its report) from here on.
    with stop_on_signals() as stop:
        with _live_run(source, camera, model_path, f"Coaching {exercise.name}") as (frames, estimator, advance):
            console.print(f"[bold]{_t(exercise.name)}[/]: {_t(exercise.placement)}")
            options = replace(options, stop=stop)
            result = coach_session(exercise, frames, estimator, options, model_path, on_step=advance)
        _report([result.summary], result.recording, Pain(pain, pain_after), stop)


def _coach_options(
    window: bool,
    mute: bool,
    voice: str | None,
    rate: int | None,
    speech_wav: Path | None,
    record: bool,
    video: bool,
    recordings: Path | None,
    summary_json: Path | None,
    sides: tuple[str, ...] | None = None,
) -> CoachOptions:
    """The session options `coach` and `routine` both take from the command line."""
    from formcoach.coach import CoachOptions, SpeechOptions

    return CoachOptions(
        sides=sides,
        window=_window_wanted(window),
        speech=SpeechOptions(mute=mute, wav_dir=speech_wav, voice=voice, rate=rate),
        record_dir=_recordings(recordings) if record else None,
        save_video=video,
        summary_json=summary_json,
    )


@dataclass(frozen=True)
class Pain:
    """The 0–10 pain ratings given on the command line."""

    before: int | None
    after: int | None


def _report(summaries: list[dict[str, Any]], recording: Path | None, pain: Pain, stop: StopRequest) -> None:
    """The summaries on the terminal; pain ratings kept with the recording. A run stopped by
    a signal says so and exits as the shell expects (130 for Ctrl-C), asking nothing."""
    for summary in summaries:
        print_summary(summary)
    stopped = "stopped — " if stop() else ""
    if recording:
        _rate_pain(recording, pain.before, pain.after, ask=not stop())
        console.print(f"{stopped}recorded to {_t(recording)}{_video_gaps(summaries)}")
    elif stopped:
        console.print("stopped")
    if stop():
        raise typer.Exit(stop.exit_code)


def _video_gaps(summaries: list[dict[str, Any]]) -> str:
    """What the video misses, said with the folder: "recorded" must not hide dropped frames."""
    counts = [summary["video"] for summary in summaries if "video" in summary]
    dropped = sum(int(count["dropped"]) for count in counts)
    if not dropped:
        return ""
    total = dropped + sum(int(count["frames"]) for count in counts)
    return f" (the video misses {dropped} of {total} frames: the computer was too busy to encode them)"


def _window_wanted(window: bool) -> bool:
    from formcoach.coach import display_available

    if window and not display_available():
        err_console.print("no display found: running without a window (use --no-window to silence this)")
        return False
    return window


def _rate_pain(folder: Path, before: int | None, after: int | None, ask: bool) -> None:
    """Keep the pain ratings with the session; ask for "after" on a terminal if not given."""
    from formcoach.report.pain import save_pain

    if after is None and ask and sys.stdin.isatty():
        answer = typer.prompt("Pain now, 0–10 (Enter to skip)", default="", show_default=False).strip()
        if answer.isdigit() and 0 <= int(answer) <= 10:
            after = int(answer)
    if before is not None or after is not None:
        save_pain(folder, before, after)


@app.command()
def routine(
    routine_id: Annotated[str, typer.Argument(metavar="ROUTINE", help="Routine id (`formcoach routines`).")],
    source: SourceOption = None,
    camera: CameraOption = 0,
    model: ModelOption = "full",
    window: WindowOption = True,
    mute: MuteOption = False,
    voice: VoiceOption = None,
    rate: RateOption = None,
    speech_wav: SpeechWavOption = None,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Write the routine's summary here.", callback=file_to_write)
    ] = None,
    record: RecordOption = True,
    video: VideoOption = True,
    recordings: RecordingsOption = None,
    pain: PainOption = None,
    pain_after: PainAfterOption = None,
) -> None:
    """Coach a whole routine: each exercise in turn, with spoken transitions and rests."""
    from formcoach.coach import coach_routine
    from formcoach.exercises.routines import find_routine

    plan = find_routine(routine_id)
    model_path = resolve_model(model)
    options = _coach_options(window, mute, voice, rate, speech_wav, record, video, recordings, summary_json)
    with stop_on_signals() as stop:
        with _live_run(source, camera, model_path, plan.name) as (frames, estimator, advance):
            minutes = plan.planned_s / 60
            console.print(f"[bold]{_t(plan.name)}[/]: {len(plan.steps)} exercises, about {minutes:.0f} minutes")
            result = coach_routine(plan, frames, estimator, replace(options, stop=stop), model_path, on_step=advance)
        console.print(result.progress.closing(plan.name))
        _report(result.summaries, result.recording, Pain(pain, pain_after), stop)


@app.command("routines")
def routines_list() -> None:
    """The routines you can run with `formcoach routine ROUTINE`."""
    from formcoach.exercises.routines import load_routines

    table = Table("id", "name", "exercises", "minutes", "sources")
    for plan in load_routines().values():
        steps = ", ".join(step.exercise.id for step in plan.steps)
        table.add_row(plan.id, plan.name, steps, f"{plan.planned_s / 60:.0f}", ", ".join(plan.sources))
    console.print(table)


@app.command()
def bench(
    source: Annotated[Path, typer.Option("--source", help="Clip to benchmark on.")],
    exercise_id: Annotated[str, typer.Option("--exercise", help="Exercise to coach the clip as.")] = "squat",
    frames: Annotated[int, typer.Option(help="At most this many frames (decoded into memory first).")] = 600,
    repeats: Annotated[int, typer.Option(min=1, help="Runs of each figure; the worst is reported.")] = 5,
    soak: Annotated[
        float | None, typer.Option(min=0.1, help="Instead: coach the clip, looped, for this many minutes.")
    ] = None,
    model: ModelOption = "full",
) -> None:
    """Speed and memory of the whole coach on one clip, each figure the worst of several runs.

    Times each stage per frame, compares the full pipeline's throughput with the bare pose
    landmarker's on the same frames (target ≥ 0.90), the largest frame gap while the coach
    speaks (target ≤ 2 frame intervals), and re-analysis of the recorded poses without a
    model against real time (target ≥ 200×). `--soak MINUTES` instead coaches the clip in a
    loop and reports memory growth after warm-up (target < 50 MB) and per-frame time drift.
    """
    model_path = resolve_model(model)
    exercise = find_exercise(exercise_id)
    with VideoFileSource(source) as video:
        if soak is not None:
            _soak(exercise, video, model_path, soak, frames)
            return
        console.print(
            f"Benchmarking {video.name} as {exercise.name} ({min(frames, video.frame_count or frames)} frames,"
            f" worst of {repeats} runs)…"
        )
        from formcoach.bench import run_bench

        report = run_bench(exercise, video, lambda: _estimator(model_path), frames, repeats)
    _print_bench(report)


def _print_bench(report: BenchReport) -> None:
    table = Table("stage", "ms / frame")
    for stage, ms in report.ms_per_frame.items():
        table.add_row(stage, f"{ms:.2f}")
    console.print(table)

    def each(figure: Callable[[RunFigures], float], form: str) -> str:
        return ", ".join(format(figure(run), form) for run in report.runs)

    worst = report.worst
    console.print(f"bare landmarker {worst.bare_fps:.1f} fps · full pipeline {worst.full_fps:.1f} fps (worst runs)")
    ratios = each(lambda run: run.throughput_ratio, ".3f")
    console.print(f"throughput ratio (full / bare): {report.worst_throughput_ratio:.3f} worst (runs: {ratios})")
    console.print(
        f"frame → decision latency: p50 {worst.latency_p50_ms:.1f} ms, p95 {worst.latency_p95_ms:.1f} ms (worst)"
    )
    gaps = each(lambda run: run.speech_gap_intervals, ".2f")
    console.print(
        f"largest frame gap while speaking: {worst.speech_gap_intervals:.2f} frame intervals worst"
        f" ({worst.utterances} utterances; runs: {gaps})"
    )
    console.print(f"re-analysis from recorded poses: {worst.reanalysis_x_realtime:.0f}× real time (worst)")
    if report.peak_rss_mb is not None and report.coach_rss_mb is not None:
        console.print(
            f"peak memory (RSS): {report.peak_rss_mb:.0f} MB, of which the decoded clip held for the benchmark"
            f" {report.clip_in_memory_mb:.0f} MB: the coach itself ~{report.coach_rss_mb:.0f} MB"
        )
    _print_verdicts(report.verdicts())


def _print_verdicts(verdicts: dict[str, bool]) -> None:
    for target, met in verdicts.items():
        console.print(f"{'[green]MET[/]' if met else '[red]MISSED[/]'}  {target}")


def _soak(exercise: ExerciseDef, video: VideoFileSource, model_path: Path, minutes: float, frames: int) -> None:
    from formcoach.soak import GROWTH_TARGET_MB, run_soak

    console.print(f"Soaking: {exercise.name} on {video.name}, looped, for {minutes:g} minutes…")
    report = run_soak(exercise, video, lambda: _estimator(model_path), minutes, frames)
    table = Table("until", "memory (RSS)", "ms / frame")
    for window in report.windows:
        rss = "–" if window.rss_mb is None else f"{window.rss_mb:.0f} MB"
        table.add_row(f"{window.end_s:.0f} s", rss, f"{window.frame_ms:.1f}")
    console.print(table)
    console.print(f"{report.frames} frames in {report.sessions} sessions; the first window is warm-up")
    growth = report.growth_mb
    console.print(f"memory growth after warm-up: {'–' if growth is None else f'{growth:.1f} MB'}")
    console.print(f"per-frame time drift after warm-up: {report.drift_percent:+.1f} %")
    _print_verdicts({f"memory growth < {GROWTH_TARGET_MB:g} MB": growth is not None and growth < GROWTH_TARGET_MB})


@app.command("eval")
def evaluate(
    labels: Annotated[Path, typer.Argument(help="A labels.toml (see ../shared/clips/README.md for the format).")],
    only: Annotated[str | None, typer.Option("--only", help="Only clips coached as this exercise.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every score here as JSON.", callback=file_to_write)
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per core).")] = None,
    model: ModelOption = "full",
    poses: Annotated[
        Path | None,
        typer.Option(
            "--poses",
            help="Keep each clip's estimated poses in this folder and reuse them next time: "
            "re-scoring after editing exercise files then takes seconds, not minutes.",
            callback=folder_to_write,
        ),
    ] = None,
) -> None:
    """Score the coach against labelled footage: reps, holds, corrections, angles.

    Every usable clip with a `coach_as` exercise is coached headless (no window, no sound, no
    recording) exactly as a live session; clips without one are listed as skipped.
    """
    from dataclasses import asdict

    from formcoach.evaluation.labels import load_labels
    from formcoach.evaluation.runner import evaluate_clips
    from formcoach.evaluation.score import aggregate, score_clip

    clips = load_labels(labels)
    model_path = resolve_model(model)
    runnable = [c for c in clips if c.coach_as and c.usable and (only is None or c.coach_as == only)]
    for clip in clips:
        if clip not in runnable and (only is None or clip.coach_as == only):
            reason = "not usable" if not clip.usable else "no coach_as exercise"
            console.print(f"[dim]skipped {_t(clip.file)}: {_t(reason)}[/]")
    library = load_library()
    for clip in runnable:
        if clip.coach_as not in library:
            raise FormcoachError(f"{clip.file}: coach_as {clip.coach_as!r} is not in the exercise library")
    scores, errors = [], []
    with progress_bar("Evaluating clips", len(runnable)) as progress:
        for label, outcome in evaluate_clips(runnable, model_path, workers, poses):
            progress.advance(progress.task_ids[0])
            if isinstance(outcome, str):
                errors.append((label.file, outcome))
                continue
            assert label.coach_as is not None
            scores.append(score_clip(label, outcome, library[label.coach_as].hold is not None))
    scores.sort(key=lambda s: (s.exercise, s.file))
    table = Table(
        "clip", "exercise", "reps", "label", "accept", "hold s", "label s", "faults caught", "false/min", "det"
    )
    for sc in scores:
        caught = f"{sum(f.caught for f in sc.faults)}/{len(sc.faults)}" if sc.faults else "–"
        colour = "green" if sc.within_accept else "red"
        table.add_row(
            sc.file,
            sc.exercise,
            f"[{colour}]{sc.reps}[/]",
            str(sc.reps_label),
            f"{sc.reps_accept[0]}–{sc.reps_accept[1]}",
            "–" if sc.hold_s is None else f"{sc.hold_s:.1f}",
            "–" if sc.hold_label_s is None else f"{sc.hold_label_s:.1f}",
            caught,
            f"{sc.false_cues_per_min:.1f}",
            f"{sc.detection_rate:.0%}",
        )
    console.print(table)
    by_exercise = Table(
        "exercise", "clips", "exact", "in accept", "off-by-one", "MAE/label", "hold err s", "recall", "false/min", "fps"
    )
    groups = {ex: [s for s in scores if s.exercise == ex] for ex in sorted({s.exercise for s in scores})}
    for name, group in [*groups.items(), ("overall", scores)]:
        agg = aggregate(group)
        by_exercise.add_row(
            name,
            str(agg.clips),
            *(_percent(rate) for rate in (agg.exact_rate, agg.within_accept_rate, agg.off_by_one_rate)),
            "–" if math.isnan(agg.mean_normalised_error) else f"{agg.mean_normalised_error:.2f}",
            "–" if math.isnan(agg.hold_mean_error_s) else f"{agg.hold_mean_error_s:.1f}",
            f"{agg.fault_recall:.0%} of {agg.faults}" if agg.faults else "–",
            f"{agg.false_cues_per_min:.2f}",
            f"{agg.fps:.0f}",
        )
    console.print(by_exercise)
    _print_eval_figures(scores)
    for sc in scores:
        if sc.side_counts:
            sides = ", ".join(f"{side} {got}/{want}" for side, (got, want) in sc.side_counts.items())
            console.print(f"per side {_t(sc.file)}: {_t(sides)} (counted/labelled)")
    for sc in scores:
        if sc.angle_mae:
            errors_text = ", ".join(f"{k} {v:.1f}" for k, v in sc.angle_mae.items())
            console.print(f"angle MAE {_t(sc.file)}: {_t(errors_text)}")
    for file, message in errors:
        err_console.print(f"[red]failed[/] {_t(file)}: {_t(message)}")
    if json_out:
        from formcoach.summary import write_json

        write_json(
            {"clips": [asdict(s) for s in scores], "overall": asdict(aggregate(scores)), "errors": errors}, json_out
        )
    if errors:
        raise typer.Exit(1)


def _percent(rate: float) -> str:
    return "–" if math.isnan(rate) else f"{rate:.0%}"  # a group of hold clips counts no reps


def _print_eval_figures(scores: list[ClipScore]) -> None:
    """The headline figures: rep clips and hold clips apart, and by camera offset."""
    from formcoach.evaluation.score import aggregate, angle_mae_by_bucket

    def ratio(done: int, total: int) -> str:
        return f"{done}/{total}" if total else "–"

    overall = aggregate(scores)
    buckets = sorted({s.bucket for s in scores if s.bucket})
    groups = [("all", scores)] + [(b, [s for s in scores if s.bucket == b]) for b in buckets]
    table = Table("camera offset", "clips", "rep clips in accept", "holds within 1 s", "faults caught", "false/min")
    for name, group in groups:
        agg = aggregate(group)
        table.add_row(
            name,
            str(agg.clips),
            ratio(agg.rep_clips_within_accept, agg.rep_clips),
            ratio(agg.holds_within_tolerance, agg.hold_clips),
            ratio(agg.faults_caught, agg.faults),
            f"{agg.false_cues_per_min:.2f}",
        )
    console.print(table)
    loudest = max(scores, key=lambda s: s.longest_silence_s, default=None)
    if loudest is not None:
        console.print(f"longest silence before coaching began: {overall.longest_silence_s:.1f} s ({_t(loudest.file)})")
    by_bucket = angle_mae_by_bucket(scores)
    if by_bucket:
        angles = Table("angle MAE (deg)", *buckets)
        for name, errors in by_bucket.items():
            angles.add_row(name, *(f"{errors[b]:.1f}" if b in errors else "–" for b in buckets))
        console.print(angles)


def _session_folder(path: Path, recordings: Path | None) -> Path:
    """A session's folder: a name resolves only inside the recordings folder (no ``..``, no
    symlink out of it); any other existing folder is the path the user typed. One exercise's
    recording, or a routine's folder holding one per exercise."""
    from formcoach.recording.reader import find_recordings

    root = _recordings(recordings)
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
            err_console.print(f"warning: {_t(recording.folder)}: {damage}", highlight=False)
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
            "--reanalyze", help="Re-run the current exercise files on the recorded poses and show what changed."
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
    """
    from formcoach import replay as rp
    from formcoach.coach import display_available

    recording = _session(session, recordings)
    exercise = find_exercise(recording.exercise_id)
    acted = False
    if reanalyze:
        acted = True
        steps = rp.reanalyze(recording, exercise)
        changes = rp.compare_events(recording.events, [e for step in steps for e in step.update.events])
        print_summary(rp.reanalysis_summary(steps, exercise))
        if not changes:
            console.print("[green]Re-analysis with the current exercise file gives the same reps, holds and cues.[/]")
        for change in changes:
            sign = "[green]+[/]" if change.kind == "added" else "[red]-[/]"
            event = change.event
            console.print(f"{sign} {event.t:7.2f} s  {event.kind.value:12s} {event.key:14s} {_t(event.message)}")
    if csv_out or mot_out:
        acted = True
        names, rows = rp.measurement_series(recording, exercise, with_rules=True)
        if csv_out:
            rp.write_csv(names, rows, csv_out)
            console.print(f"{len(rows)} rows → {_t(csv_out)}")
        if mot_out:
            angles = [i for i, name in enumerate(names) if not name.startswith("rule:")]  # what OpenSim reads
            rp.write_mot([names[i] for i in angles], [[row[0], *(row[i + 1] for i in angles)] for row in rows],
                         mot_out, f"formcoach {exercise.id} {recording.folder.name}")  # fmt: skip
            console.print(f"{len(rows)} rows → {_t(mot_out)}")
    if export:
        acted = True
        with progress_bar(f"Exporting {export.name}", len(recording.poses)) as progress:
            written = rp.export_video(recording, export, exercise, lambda n: progress.advance(progress.task_ids[0], n))
        console.print(f"{written} frames → {_t(export)}")
    if acted:
        return
    if not display_available():
        raise FormcoachError("replay needs a display; use --export OUT.mp4 to render the annotated video instead")
    rp.Player(recording, exercise).play()


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
    every measurement over time against its target band, and range of motion per side."""
    from formcoach.report.session import write_session_report

    found = _recordings_in(_session_folder(session, recordings))
    if out is not None and len(found) > 1:
        raise FormcoachError("--out names one file, and a routine's folder makes one report per exercise")
    with progress_bar("Writing the report", None):
        paths = [write_session_report(recording.folder, out) for recording in found]
    for path in paths:
        console.print(f"report → {_t(path)}")


@app.command()
def history(
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML (default: history.html in --recordings).", callback=file_to_write),
    ] = None,
    recordings: RecordingsOption = None,
) -> None:
    """Progress over weeks: sessions per week against the plan (3–5 a week for 3–6 weeks),
    streaks, range of motion per exercise and side, corrections and pain over time."""
    from formcoach.report.history import write_history

    recordings = _recordings(recordings)
    if not recordings.exists():
        raise FormcoachError(f"no recordings in {recordings} yet: coach a session first")
    with progress_bar("Writing the history", None):
        path = write_history(recordings, out or recordings / "history.html")
    console.print(f"history → {_t(path)}")


@sessions_app.command("pain")
def sessions_pain(
    session: Annotated[Path, typer.Argument(help="Recording folder or name.")],
    before: Annotated[int | None, typer.Option(min=0, max=10, help="Pain before the session, 0–10.")] = None,
    after: Annotated[int | None, typer.Option(min=0, max=10, help="Pain after the session, 0–10.")] = None,
    recordings: RecordingsOption = None,
) -> None:
    """Add or correct a session's pain ratings (shown in its report and in the history)."""
    from formcoach.report.pain import save_pain

    save_pain(_session_folder(session, recordings), before, after)
    console.print("saved")


@sessions_app.command("list")
def sessions_list(recordings: RecordingsOption = None) -> None:
    """Every recorded session, newest first; a damaged one is listed as damaged."""
    from formcoach.recording.reader import find_recordings

    recordings = _recordings(recordings)
    table = Table("session", "exercise", "duration", "reps", "hold", "corrections")
    for folder in find_recordings(recordings):
        table.add_row(_t(folder.relative_to(recordings)), *_session_row(folder))
    console.print(table)


def _session_row(folder: Path) -> list[str]:
    """A session's exercise, duration, reps, hold and corrections; or why they are unknown."""
    from formcoach.recording.format import SUMMARY
    from formcoach.recording.reader import read_summary

    if not (folder / SUMMARY).exists():
        return ["?", "(interrupted: no summary)", "", "", ""]
    try:
        summary = read_summary(folder)
        reps = sum(int(entry["reps"]) for entry in summary["sides"].values())
        hold = sum(float(entry["hold_s"]) for entry in summary["sides"].values())
        return [
            _t(summary["exercise"]),
            f"{float(summary['duration_s']):.0f} s",
            str(reps),
            f"{hold:.0f} s" if hold else "–",
            str(len(summary["cues"])),
        ]
    except (FormcoachError, KeyError, TypeError, ValueError):
        return ["?", f"(damaged {SUMMARY})", "", "", ""]


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
    console.print(f"[bold]{_t(recording.folder.name)}[/]: {_t(meta.get('exercise'))} from {_t(meta.get('source'))}")
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
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask.")] = False,
    recordings: RecordingsOption = None,
) -> None:
    """Delete a recorded session for good."""
    import shutil

    folder = _session_folder(session, recordings)
    root = _recordings(recordings)
    # Only ever a recording inside the recordings folder: never a folder a `..`, an absolute
    # path or a symlink leads to.
    if folder.is_symlink() or not inside(root, folder):
        raise FormcoachError(f"{session} is not a recording inside {root}; nothing deleted")
    if not yes and not typer.confirm(f"Delete {folder}?"):
        raise typer.Exit(1)
    shutil.rmtree(folder)
    console.print(f"deleted {_t(folder)}")


def print_summary(summary: dict[str, Any]) -> None:
    # The leg that did each rep comes from the pose: people alternate legs in lunges
    # whatever side the plan is on, so show it beside the plan's side.
    by_leg = any(rep.get("leg") for rep in summary["reps"])
    columns = ["side", "reps", *(["by leg"] if by_leg else []), "sets", "hold"]
    table = Table(*columns, title=f"{summary['name']}: {summary['duration_s']:.0f} s")
    for side, entry in summary["sides"].items():
        sets = ", ".join(f"{s['reps']}" for s in entry["sets"]) or "–"
        target = entry.get("hold_target_s")
        hold = f"{entry['hold_s']:.0f} / {target:g} s" if target else "–"
        leg_cell = [_legs_cell(side, summary["reps"])] if by_leg else []
        table.add_row(side, str(entry["reps"]), *leg_cell, sets, hold)
    console.print(table)
    if summary["cues"]:
        console.print(f"{len(summary['cues'])} corrections:")
        for cue in summary["cues"]:
            console.print(f"  {cue['t']:6.1f} s  {_t(cue['rule'])}: {_t(cue['text'])}")


def _legs_cell(side: str, reps: list[dict[str, Any]]) -> str:
    """How many of a side's reps each leg did; blank for a bilateral move (both legs work)."""
    if side == BOTH:
        return ""
    legs = Counter(rep.get("leg") or "unknown" for rep in reps if rep["side"] == side)
    return ", ".join(f"{n} {leg}" for leg, n in sorted(legs.items())) or "–"


def _fail(message: str) -> NoReturn:
    # Escaped: a path or an id with [brackets] is text, not rich markup.
    err_console.print(f"[red]error:[/] {_t(message)}", highlight=False, soft_wrap=True)
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
