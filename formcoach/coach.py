"""A coaching session: one exercise from a camera or a video file, with every sink wired up.

`formcoach coach`, `formcoach routine`, `formcoach eval` and `formcoach bench` all run
sessions through here, so they share one code path with the live coach.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from formcoach.background import keep_opencv_single_threaded
from formcoach.checkers.session import ExerciseSession
from formcoach.exercises.routines import Routine
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.cue_policy import CuePolicy, Utterance
from formcoach.feedback.speech import SpeechSink, SpeechWorker
from formcoach.files import write_json, write_json_if_room
from formcoach.pose import PoseEstimator
from formcoach.recording.writer import SessionRecorder, create_session_folder, recording_meta
from formcoach.runner import coach_steps
from formcoach.safety import WARM_UP
from formcoach.sources import FrameSource
from formcoach.summary import SessionLog, Summary
from formcoach.types import COUNT, SAFETY, Frame, Sink, StageTimes, Step

if TYPE_CHECKING:
    from formcoach.feedback.window import CoachWindow, RestScreen


@dataclass(frozen=True)
class SpeechOptions:
    mute: bool = False
    wav_dir: Path | None = None
    voice: str | None = None
    rate: int | None = None


@dataclass(frozen=True)
class CoachOptions:
    sides: tuple[str, ...] | None = None
    window: bool = False
    speech: SpeechOptions = field(default_factory=SpeechOptions)
    record_dir: Path | None = None  # None: do not record
    save_video: bool = True
    summary_json: Path | None = None
    stop: Callable[[], bool] = field(default=lambda: False)  # a signal asked the run to stop


def display_available() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class SessionResult:
    summary: Summary
    times: StageTimes
    frames: int
    detected: int
    recording: Path | None
    quit: bool = False  # the user stopped the session
    end_t: float = 0.0  # stream time of the session's last frame
    completed: bool = False  # every side reached its target
    stored: Stored | None = None  # what the recording kept, if there was one


@dataclass(frozen=True)
class Stored:
    """What a recording kept: its seconds of poses, whether the summary fitted, and what
    ran out ("disk full"…) if it had to stop early."""

    seconds: float
    summary: bool = True
    no_room: str | None = None


def start_speech(options: SpeechOptions) -> SpeechWorker:
    return SpeechWorker(
        mute=options.mute and options.wav_dir is None, wav_dir=options.wav_dir, voice=options.voice, rate=options.rate
    )


def coach_session(
    exercise: ExerciseDef,
    source: FrameSource,
    estimator: PoseEstimator,
    options: CoachOptions,
    model_path: Path | None = None,
    on_step: Callable[[Step], None] | None = None,
    extra_sinks: tuple[Sink, ...] = (),
    frames: Iterable[Frame] | None = None,
    speech: SpeechWorker | None = None,
) -> SessionResult:
    """Run one exercise on ``source`` until it is done, the source ends or the user quits.

    A routine passes one ``frames`` iterator and one ``speech`` worker to every exercise, so
    time runs on and the voice carries over; otherwise both are made (and closed) here.
    """
    keep_opencv_single_threaded()
    session = ExerciseSession(exercise, options.sides)
    own_speech = speech is None
    speech = speech or start_speech(options.speech)
    out = _SessionSinks.open(exercise, source, options, model_path, speech, extra_sinks)
    window = out.window
    times = StageTimes()
    count = detected = 0

    def stop() -> bool:
        return options.stop() or bool(window and window.quit) or out.no_room is not None

    try:
        for step in coach_steps(frames if frames is not None else source, estimator, session, out.sinks, times, stop):
            count += 1
            detected += step.raw_pose is not None
            for intent in window.take_intents() if window else ():
                session.apply(intent, step.update.t)
            if on_step:
                on_step(step)
    finally:
        if own_speech:
            speech.close()
        summary, stored = out.close(options.summary_json)
    quit_early = stop()
    folder = out.recorder.folder if out.recorder else None
    return SessionResult(summary, times, count, detected, folder, quit_early, out.log.last_t, session.finished, stored)


@dataclass(frozen=True)
class _SessionSinks:
    """What one session's steps go to: its log, the speech, the recording, the window."""

    log: SessionLog
    recorder: SessionRecorder | None
    window: CoachWindow | None
    sinks: list[Sink]

    @classmethod
    def open(
        cls,
        exercise: ExerciseDef,
        source: FrameSource,
        options: CoachOptions,
        model_path: Path | None,
        speech: SpeechWorker,
        extra: tuple[Sink, ...],
    ) -> _SessionSinks:
        log = SessionLog(exercise)
        recorder = None
        if options.record_dir is not None:
            folder = create_session_folder(options.record_dir, exercise.id)
            meta = recording_meta(exercise, source, model_path)
            recorder = SessionRecorder(folder, meta, source.fps, source.size, options.save_video)
        on_said = recorder.record_said if recorder else None
        speech_sink = SpeechSink(speech, CuePolicy(cooldown_s=exercise.cues.cooldown_s), on_said)
        window = None
        if options.window:
            from formcoach.feedback.window import CoachWindow

            window = CoachWindow(exercise, speech_sink)
        sinks: list[Sink] = [log, speech_sink, *([recorder] if recorder else []), *([window] if window else []), *extra]
        return cls(log, recorder, window, sinks)

    @property
    def no_room(self) -> str | None:
        """What ran out if the recording had to stop (the session stops with it)."""
        return self.recorder.no_room if self.recorder else None

    def close(self, summary_json: Path | None) -> tuple[Summary, Stored | None]:
        """Close the window and the recording; the session's summary, written where asked,
        and what the recording kept."""
        summary = self.log.summary()
        if self.window:
            self.window.close()
        stored = None
        if self.recorder:
            self.recorder.close()
            summary = replace(summary, video=self.recorder.video_count)
            saved = self.recorder.write_summary(summary)
            stored = Stored(self.recorder.recorded.seconds, saved, self.recorder.no_room)
        if summary_json:
            write_json(summary.to_json(), summary_json)
        return summary, stored


@dataclass
class RoutineResult:
    summaries: list[Summary]
    recording: Path | None
    quit: bool
    progress: RoutineProgress
    stored: tuple[Stored, ...] = ()  # per exercise recorded; the routine's own file last


@dataclass(frozen=True)
class RoutineProgress:
    """Which of a routine's exercises were done, begun but not finished, and never begun (names)."""

    done: tuple[str, ...]
    unfinished: tuple[str, ...]
    not_started: tuple[str, ...]

    @classmethod
    def of(cls, routine: Routine, completed: list[bool]) -> RoutineProgress:
        names = [step.exercise.name for step in routine.steps]
        begun = names[: len(completed)]
        return cls(
            tuple(name for name, ok in zip(begun, completed, strict=True) if ok),
            tuple(name for name, ok in zip(begun, completed, strict=True) if not ok),
            tuple(names[len(completed) :]),
        )

    def closing(self, routine_name: str) -> str:
        """What is said at the end: praise only for a whole routine, else what was and was not done."""
        if not self.unfinished and not self.not_started:
            return f"{routine_name} done. Well done."
        parts = [f"{routine_name} stopped."]
        for label, names in (("Done", self.done), ("Not finished", self.unfinished), ("Not started", self.not_started)):
            if names:
                parts.append(f"{label}: {', '.join(names)}.")
        return " ".join(parts)


def _rest(frames: Iterator[Frame], until_t: float, screen: RestScreen | None, stop: Callable[[], bool]) -> Frame | None:
    """Consume frames during a rest, showing them on ``screen`` if there is one; returns the
    first frame after the rest (None at the end of the video, or when the user quit)."""
    for frame in frames:
        if stop():
            return None
        if screen is not None:
            screen.show(frame, until_t - frame.t)
            if screen.quit:
                return None
            if screen.skip:
                return frame
        if frame.t >= until_t:
            return frame
    return None


def _rest_screen(next_name: str) -> RestScreen:
    from formcoach.feedback.window import RestScreen  # the GUI only when a window is wanted

    return RestScreen(next_name)


@contextmanager
def _routine_folder(root: Path | None, routine_id: str) -> Iterator[Path | None]:
    """The routine's own folder, created at the start (atomically, like a session's) and
    removed again if the routine fails before anything was recorded in it."""
    if root is None:
        yield None
        return
    folder = create_session_folder(root, routine_id)
    try:
        yield folder
    except BaseException:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty
        raise


def coach_routine(
    routine: Routine,
    source: FrameSource,
    estimator: PoseEstimator,
    options: CoachOptions,
    model_path: Path | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> RoutineResult:
    """Run every step of ``routine`` on one frame stream with one voice, saying each
    transition; each exercise is recorded in its own sub-folder of the routine's folder."""
    frames: Iterator[Frame] = iter(source)
    summaries: list[Summary] = []
    completed: list[bool] = []
    stored: list[Stored] = []
    quit_early = False
    with _routine_folder(options.record_dir, routine.id) as folder, start_speech(options.speech) as speech:
        t = 0.0
        for number, step in enumerate(routine.steps, start=1):
            exercise = step.exercise
            intro = (
                f"Next: {exercise.name}. {exercise.placement}"
                if number > 1
                else f"{routine.name}. {WARM_UP} First: {exercise.name}. {exercise.placement}"
            )
            speech.say(Utterance(t, intro, SAFETY, "routine", t))
            step_options = replace(options, record_dir=folder, summary_json=None)
            result = coach_session(
                exercise, source, estimator, step_options, model_path, on_step, frames=frames, speech=speech
            )
            summaries.append(result.summary)
            completed.append(result.completed)
            stored += [result.stored] if result.stored else []
            t = result.end_t  # stream time: rests are timed on the frames, like everything else
            if result.quit:
                quit_early = True
                break
            if not result.completed:
                break  # the video ended mid-exercise
            if step.rest_s > 0 and number < len(routine.steps):
                speech.say(Utterance(t, f"Rest for {step.rest_s:g} seconds.", COUNT, "routine_rest", t))
                screen = _rest_screen(routine.steps[number].exercise.name) if options.window else None
                first = _rest(frames, t + step.rest_s, screen, options.stop)
                if (screen is not None and screen.quit) or options.stop():
                    quit_early = True
                if first is None:
                    break
                frames = itertools.chain([first], frames)
        progress = RoutineProgress.of(routine, completed)
        speech.say(Utterance(t, progress.closing(routine.name), COUNT, "routine_done", t))
    routine_summary = {
        "routine": routine.id,
        "name": routine.name,
        "exercises": [summary.to_json() for summary in summaries],
        "completed": not progress.unfinished and not progress.not_started,
        **asdict(progress),
    }
    if folder is not None:
        stored.append(Stored(0.0, write_json_if_room(routine_summary, folder / "routine.json")))
    if options.summary_json:
        write_json(routine_summary, options.summary_json)
    return RoutineResult(summaries, folder, quit_early, progress, tuple(stored))
