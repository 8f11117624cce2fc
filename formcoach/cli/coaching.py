"""Coaching: `coach`, `routine`, `routines`, and the summary printed at the end."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import BOTH
from formcoach.places import SHARED_FOOTAGE
from formcoach.pose.models import resolve_model
from formcoach.safety import SAFETY_NOTE, WARM_UP
from formcoach.stopping import StopRequest, stop_on_signals

if TYPE_CHECKING:
    from formcoach.coach import CoachOptions, Stored

from formcoach.cli.common import (
    CameraOption,
    ModelOption,
    MuteOption,
    PainAfterOption,
    PainOption,
    RateOption,
    RecordingsOption,
    RecordOption,
    SourceOption,
    SpeechWavOption,
    VideoOption,
    VoiceOption,
    WatchOthersOption,
    WindowOption,
    app,
    console,
    err_console,
    file_to_write,
    live_run,
    print_summary,
    recordings_folder,
    safe_text,
)
from formcoach.summary import Summary


def _sides_for(exercise_sides: tuple[str, ...], side: str | None) -> tuple[str, ...] | None:
    if side is None or side == "both":
        return None
    if side not in ("left", "right"):
        raise FormcoachError(f"--side must be left, right or both, not {side!r}")
    if exercise_sides == (BOTH,):
        return None  # a bilateral move: both sides work at once whatever was asked
    return (side,)


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
    watch_others: WatchOthersOption = False,
) -> None:
    """Coach one exercise: camera setup, then reps or a hold timer with spoken corrections.

    Keys in the window: **space** pause · **n** next side · **r** restart the side · **q**/Esc stop and save.
    Without a display use `--no-window`: a progress line, then the summary.

    Example: `formcoach coach couch_stretch --side left --source clip.mp4`
    """
    from formcoach.coach import coach_session

    exercise = find_exercise(exercise_id)
    sides = _sides_for(exercise.sides, side)
    model_path = resolve_model(model)
    options = _coach_options(window, mute, voice, rate, speech_wav, record, video, recordings, summary_json, sides)
    # Signals stop the session (and are kept from interrupting its report) from here on.
    with stop_on_signals() as stop:
        title = f"Coaching {exercise.name}"
        with live_run(source, camera, model_path, title, watch_others) as (frames, estimator, advance):
            console.print(f"[bold]{safe_text(exercise.name)}[/]: {safe_text(exercise.placement)}")
            console.print(SAFETY_NOTE)
            options = replace(options, stop=stop)
            result = coach_session(exercise, frames, estimator, options, model_path, on_step=advance)
        stored = (result.stored,) if result.stored else ()
        _report([result.summary], result.recording, Pain(pain, pain_after), stop, stored)


# The demo: a rendered body of the project's footage (beside the checkout, never in it) does 4
# good squats, then 2 leaning too far forward (its labels: 6 reps, the last 2 leaning).
DEMO_CLIP = SHARED_FOOTAGE / "renders" / "squat__render_A.mp4"
DEMO_EXERCISE = "squat"
DEMO_REPS = 6


@app.command()
def demo(
    window: WindowOption = True, mute: MuteOption = False, voice: VoiceOption = None, rate: RateOption = None
) -> None:
    """See the coach at work without a camera: it coaches a rendered clip of squats from the
    project's footage (../shared/renders beside the checkout).

    Window, voice and the summary at the end, as in your own session (nothing is recorded). With
    a camera connected, you are then offered your own.

    Example: `formcoach demo`
    """
    from formcoach.coach import coach_session
    from formcoach.sources import at_filmed_speed

    if not DEMO_CLIP.is_file():
        raise FormcoachError(
            f"the demo's clip is not here ({DEMO_CLIP}): it comes with the project's footage beside "
            "the checkout; without it, coach a video of your own: formcoach coach squat --source VIDEO"
        )
    squat = find_exercise(DEMO_EXERCISE)
    assert squat.reps is not None  # squats are counted
    exercise = replace(squat, reps=replace(squat.reps, target=DEMO_REPS))  # the clip's squats are the plan
    model_path = resolve_model("full")
    options = _coach_options(
        window, mute, voice, rate, None, record=False, video=False, recordings=None, summary_json=None
    )
    with stop_on_signals() as stop:
        with live_run(DEMO_CLIP, 0, model_path, "Demo: squats") as (clip, estimator, advance):
            console.print(
                f"[bold]Demo[/]: a rendered body does {DEMO_REPS} squats, the last 2 leaning too far forward. "
                "Watch the count and listen for the corrections."
            )
            # Shown or spoken to a person: at the pace it was filmed, not as fast as the computer goes.
            paced = at_filmed_speed(clip) if options.window or not options.speech.mute else None
            result = coach_session(
                exercise, clip, estimator, replace(options, stop=stop), model_path, on_step=advance, frames=paced
            )
        _report([result.summary], None, Pain(None, None), stop)
    offer_your_own_session(window, mute, voice, rate)


def offer_your_own_session(window: bool, mute: bool, voice: str | None, rate: int | None) -> None:
    """After the demo: with a camera, the real thing (asked on a terminal); without, how to use a video."""
    from formcoach.sources import list_cameras

    cameras = list_cameras()
    if not cameras:
        console.print(f"No camera found: `formcoach coach {DEMO_EXERCISE} --source VIDEO` coaches a video of you.")
        return
    camera = cameras[0]
    if sys.stdin.isatty() and typer.confirm(f"Camera {camera} is connected. Coach your own squats now?"):
        coach(DEMO_EXERCISE, camera=camera, window=window, mute=mute, voice=voice, rate=rate)
        return
    console.print(f"Camera {camera} is connected: `formcoach coach {DEMO_EXERCISE} --camera {camera}` coaches you.")


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
        record_dir=recordings_folder(recordings) if record else None,
        save_video=video,
        summary_json=summary_json,
    )


@dataclass(frozen=True)
class Pain:
    """The 0–10 pain ratings given on the command line."""

    before: int | None
    after: int | None


def _report(
    summaries: list[Summary], recording: Path | None, pain: Pain, stop: StopRequest, stored: Sequence[Stored] = ()
) -> None:
    """The summaries on the terminal; pain ratings kept with the recording. A run stopped by
    a signal says so and exits as the shell expects (130 for Ctrl-C), asking nothing; one
    stopped by a full disk says what it kept and exits 2."""
    for summary in summaries:
        print_summary(summary)
    no_room = next((s.no_room for s in stored if s.no_room), None)
    if recording and no_room:
        console.print(_kept_on_a_full_disk(no_room, recording, summaries, stored, pain))
        raise typer.Exit(2)
    stopped = "stopped — " if stop() else ""
    if recording:
        _rate_pain(recording, pain.before, pain.after, ask=not stop())
        console.print(f"{stopped}recorded to {safe_text(recording)}{_video_gaps(summaries)}")
    elif stopped:
        console.print("stopped")
    if stop():
        raise typer.Exit(stop.exit_code)


def _kept_on_a_full_disk(
    no_room: str, recording: Path, summaries: list[Summary], stored: Sequence[Stored], pain: Pain
) -> str:
    """One line: what ran out, and all that the recording kept (and did not)."""
    seconds = sum(s.seconds for s in stored)
    kept = []
    counts = [summary.video for summary in summaries if summary.video is not None]
    if counts:
        in_video = sum(count.frames for count in counts)
        kept.append(f"the video has {in_video} of {in_video + sum(count.dropped for count in counts)} frames")
    if not all(s.summary for s in stored):
        kept.append("the summary did not fit")
    if pain.before is not None or pain.after is not None:
        kept.append("the pain rating was not saved")
    details = f" ({'; '.join(kept)})" if kept else ""
    return f"{no_room} — stopped; recorded {seconds:.1f} s to {safe_text(recording)}{details}"


def _video_gaps(summaries: list[Summary]) -> str:
    """What the video misses, said with the folder: "recorded" must not hide dropped frames."""
    counts = [summary.video for summary in summaries if summary.video is not None]
    dropped = sum(count.dropped for count in counts)
    if not dropped:
        return ""
    total = dropped + sum(count.frames for count in counts)
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
    watch_others: WatchOthersOption = False,
) -> None:
    """Coach a whole routine: each exercise in turn, with spoken transitions and rests.

    Example: `formcoach routine daily_hips`
    """
    from formcoach.coach import coach_routine
    from formcoach.exercises.routines import find_routine

    plan = find_routine(routine_id)
    model_path = resolve_model(model)
    options = _coach_options(window, mute, voice, rate, speech_wav, record, video, recordings, summary_json)
    with stop_on_signals() as stop:
        with live_run(source, camera, model_path, plan.name, watch_others) as (frames, estimator, advance):
            minutes = plan.planned_s / 60
            console.print(f"[bold]{safe_text(plan.name)}[/]: {len(plan.steps)} exercises, about {minutes:.0f} minutes")
            console.print(f"{SAFETY_NOTE} {WARM_UP}")
            result = coach_routine(plan, frames, estimator, replace(options, stop=stop), model_path, on_step=advance)
        console.print(result.progress.closing(plan.name))
        _report(result.summaries, result.recording, Pain(pain, pain_after), stop, result.stored)


@app.command("routines")
def routines_list() -> None:
    """The routines you can run with `formcoach routine ROUTINE`.

    Example: `formcoach routines`
    """
    from formcoach.exercises.routines import load_routines

    table = Table("id", "name", "exercises", "minutes", "sources")
    for plan in load_routines().values():
        steps = ", ".join(step.exercise.id for step in plan.steps)
        table.add_row(plan.id, plan.name, steps, f"{plan.planned_s / 60:.0f}", ", ".join(plan.sources))
    console.print(table)
