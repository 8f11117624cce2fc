"""Looking back at a recording: re-analysis, the annotated video, angle export, playback.

Re-analysis runs the recorded raw poses through smoothing → measurements → checker with the
current exercise files: no model, no camera. With unchanged files it reproduces the live
events exactly (poses are kept at recorded precision live too); with a tightened threshold
it shows what would have changed.
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import ExerciseDef
from formcoach.feedback.cue_policy import CuePolicy, CueTrack
from formcoach.feedback.overlay import draw_overlay
from formcoach.feedback.state import ScreenState, ScreenTrack
from formcoach.feedback.window import ScreenWindow
from formcoach.files import write_text_atomic
from formcoach.recording.reader import Recording
from formcoach.runner import reanalyse_recording
from formcoach.summary import Summary, build_summary
from formcoach.types import Event, EventKind, Frame, Said, Step

SPEAKABLE = {EventKind.RULE_FAIL, EventKind.REP_DONE, EventKind.HOLD_DONE, EventKind.CYCLE_DONE, EventKind.SET_DONE}

NAN = float("nan")

# An export stops while this much room is left: its writer then still has room to finish
# the file (an MP4's index goes in last), and the disk is not left full.
EXPORT_RESERVE_BYTES = 2_000_000


def reanalyze(recording: Recording, exercise: ExerciseDef | None = None) -> list[Step]:
    """Every step of the recording re-run through the checker, on the sides the live run coached."""
    return reanalyse_recording(recording, exercise or find_exercise(recording.exercise_id)).steps


@dataclass(frozen=True)
class EventChange:
    kind: str  # "added" or "removed"
    event: Event


def event_key(event: Event) -> tuple[float, str, str, str]:
    return (round(event.t, 6), event.kind.value, event.key, event.side)


def compare_events(live: tuple[Event, ...] | list[Event], again: list[Event]) -> list[EventChange]:
    """What re-analysis adds or removes, among events a user would notice."""
    old = {event_key(e): e for e in live if e.kind in SPEAKABLE}
    new = {event_key(e): e for e in again if e.kind in SPEAKABLE}
    changes = [EventChange("removed", old[k]) for k in old.keys() - new.keys()]
    changes += [EventChange("added", new[k]) for k in new.keys() - old.keys()]
    return sorted(changes, key=lambda c: c.event.t)


def reanalysis_summary(steps: list[Step], exercise: ExerciseDef) -> Summary:
    events = [e for step in steps for e in step.update.events]
    hold = {step.update.side: step.update.hold_s for step in steps}
    start = steps[0].update.t if steps else 0.0
    end = steps[-1].update.t if steps else 0.0
    return build_summary(exercise, events, hold, start, end)


def video_frames(recording: Recording) -> Iterator[Frame]:
    """The recorded video's frames, one per recorded pose: a frame dropped from the video
    (the encoder fell behind) shows the one before it, so timing and counts stay the poses'."""
    path = recording.video
    if path is None:
        raise FormcoachError(f"{recording.folder} has no video (recorded with --no-video)")
    capture = cv2.VideoCapture(str(path))
    read, image = -1, None
    try:
        for (t, frame_index, _), wanted in zip(recording.poses, recording.video_index, strict=True):
            while read < wanted:
                ok, image = capture.read()
                if not ok:
                    return  # the process was killed before the video caught up
                read += 1
            yield Frame(frame_index, t, np.asarray(image, dtype=np.uint8))
    finally:
        capture.release()


def annotate(step: Step, frame: Frame, exercise: ExerciseDef, screen: ScreenState) -> np.ndarray:
    """The live overlay on a recorded frame."""
    return draw_overlay(frame.image, step, exercise, screen)


class ReplayCues:
    """The cue on screen at each re-analysed step: the cues the live coach said, as the
    recording kept them; for a recording that kept none, what the same cue policy says with
    the speaker free."""

    def __init__(self, recording: Recording, exercise: ExerciseDef) -> None:
        self._said = deque(recording.said) if recording.said is not None else None
        self._policy = CuePolicy(cooldown_s=exercise.cues.cooldown_s)
        self._track = CueTrack()

    def __call__(self, step: Step) -> str:
        t = step.update.t
        said: Said | None = None
        if self._said is None:
            utterance = self._policy.offer(step.update.events, t, speaker_idle=True)
            said = None if utterance is None else Said(t, utterance.key, utterance.text)
        else:
            while self._said and self._said[0].t <= t:
                said = self._said.popleft()
        return self._track.update(t, said)


def export_video(
    recording: Recording, out: Path, exercise: ExerciseDef, progress: Callable[[int], None] | None = None
) -> int:
    """Write the annotated video to ``out``; returns the number of frames written. OpenCV's
    writer says nothing when the disk fills, so the file is checked: if it does not hold
    every frame it is removed and the error says why."""
    steps = reanalyze(recording, exercise)
    fps = float(recording.meta.get("fps") or 30.0)
    writer: cv2.VideoWriter | None = None
    cues, screens = ReplayCues(recording, exercise), ScreenTrack(exercise)
    written = 0
    try:
        for step, frame in zip(steps, video_frames(recording), strict=False):
            image = annotate(step, frame, exercise, screens(step, cues(step)))
            if writer is None:
                size = (image.shape[1], image.shape[0])
                writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
                if not writer.isOpened():
                    raise FormcoachError(f"cannot write {out} (try a .mp4 or .avi name in a writable folder)")
            if shutil.disk_usage(out.parent).free < EXPORT_RESERVE_BYTES:
                raise FormcoachError(f"disk full: stopped writing {out} after {written} frames; removed it")
            writer.write(image)
            written += 1
            if progress:
                progress(1)
    except BaseException:
        if writer is not None:
            writer.release()
            _remove_partial(out)
        raise
    if writer is None:
        raise FormcoachError(f"{recording.folder.name} has no video frames to export")
    writer.release()
    _check_export(out, written)
    return written


def _remove_partial(out: Path) -> None:
    if out.is_file():  # never a device the user named (/dev/null)
        out.unlink()


def _check_export(out: Path, written: int) -> None:
    """Remove ``out`` and fail if it does not play back all ``written`` frames."""
    capture = cv2.VideoCapture(str(out))
    frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    capture.release()
    if frames < written:
        _remove_partial(out)
        full = shutil.disk_usage(out.parent).free < EXPORT_RESERVE_BYTES
        reason = "disk full" if full else "the file came out incomplete"
        raise FormcoachError(f"{reason}: {out} held {frames} of {written} frames; removed it")


def measurement_series(
    recording: Recording, exercise: ExerciseDef, with_rules: bool = False
) -> tuple[list[str], list[list[float]]]:
    """Per-frame values of every measurement the exercise uses: (names, rows of [t, …]).

    ``with_rules`` adds each form rule's verdict as a column ``rule:<id>``: 1 kept, 0 broken,
    NaN when not judged in that frame (another phase, or the joint unseen).
    """
    steps = reanalyze(recording, exercise)
    names: list[str] = []
    for step in steps:
        names.extend(n for n in step.metrics.values if n not in names)
    rule_ids = list(dict.fromkeys(rule.id for rule in exercise.rules)) if with_rules else []
    rows = []
    for step in steps:
        verdicts = {r.rule_id: NAN if r.ok is None else float(r.ok) for r in step.update.rule_results}
        rows.append([step.update.t, *(step.metrics.get(n) for n in names), *(verdicts.get(i, NAN) for i in rule_ids)])
    return names + [f"rule:{rule_id}" for rule_id in rule_ids], rows


def write_csv(names: list[str], rows: list[list[float]], out: Path) -> None:
    lines = [",".join(["t", *names])]
    lines += [",".join(f"{v:.4f}" for v in row) for row in rows]
    write_text_atomic(out, "\n".join(lines) + "\n")


def write_mot(names: list[str], rows: list[list[float]], out: Path, title: str) -> None:
    """OpenSim's motion format (.mot): a small header, then tab-separated columns; angles in
    degrees, NaN (not seen) written as NaN for the tool to interpolate."""
    header = [title, "version=1", f"nRows={len(rows)}", f"nColumns={len(names) + 1}", "inDegrees=yes", "endheader"]
    body = ["\t".join(["time", *names])]
    body += ["\t".join(f"{v:.6f}" for v in row) for row in rows]
    write_text_atomic(out, "\n".join(header + body) + "\n")


PLAYER_TITLE = "formcoach replay — space: pause · ,/.: step · [/]: seek 5 s · -/+: speed · f: full screen · q: quit"
TIMELINE_H = 28
SEEK_S = 5.0


def draw_timeline(image: np.ndarray, steps: list[Step], position: int) -> np.ndarray:
    """A bar under the video: holds in blue, reps as green ticks, corrections as red ones."""
    width = image.shape[1]
    bar = np.full((TIMELINE_H, width, 3), 40, dtype=np.uint8)
    if steps:
        t0, t1 = steps[0].update.t, steps[-1].update.t
        span = max(t1 - t0, 1e-6)

        def x(t: float) -> int:
            return int((t - t0) / span * (width - 1))

        hold_start: float | None = None
        for step in steps:
            for event in step.update.events:
                if event.kind is EventKind.HOLD_START:
                    hold_start = event.t
                elif event.kind in (EventKind.HOLD_PAUSE, EventKind.HOLD_DONE) and hold_start is not None:
                    cv2.rectangle(bar, (x(hold_start), 8), (x(event.t), TIMELINE_H - 8), (200, 120, 40), -1)
                    hold_start = None
                elif event.kind is EventKind.REP_DONE:
                    cv2.line(bar, (x(event.t), 2), (x(event.t), TIMELINE_H - 2), (80, 200, 80), 2)
                elif event.kind is EventKind.RULE_FAIL:
                    cv2.line(bar, (x(event.t), 2), (x(event.t), TIMELINE_H - 2), (60, 60, 230), 2)
        if hold_start is not None:
            cv2.rectangle(bar, (x(hold_start), 8), (x(t1), TIMELINE_H - 8), (200, 120, 40), -1)
        cursor = x(steps[min(position, len(steps) - 1)].update.t)
        cv2.line(bar, (cursor, 0), (cursor, TIMELINE_H), (255, 255, 255), 2)
    return np.vstack([image, bar])


class Player:
    """Plays a recording with the live overlay and a timeline; keys steer it."""

    def __init__(self, recording: Recording, exercise: ExerciseDef) -> None:
        self.recording = recording
        self.exercise = exercise
        self.steps = reanalyze(recording, exercise)
        self.fps = float(recording.meta.get("fps") or 30.0)
        path = recording.video
        if path is None:
            raise FormcoachError(f"{recording.folder} has no video to play (recorded with --no-video)")
        self.capture = cv2.VideoCapture(str(path))
        self.positions = recording.video_index
        cues, screens = ReplayCues(recording, exercise), ScreenTrack(exercise)
        self.screens = [screens(step, cues(step)) for step in self.steps]

    def _frame(self, index: int) -> np.ndarray | None:
        position = self.positions[index]
        if int(self.capture.get(cv2.CAP_PROP_POS_FRAMES)) != position:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, position)
        ok, image = self.capture.read()
        return np.asarray(image, dtype=np.uint8) if ok else None

    def play(self) -> None:
        index, paused, speed = 0, False, 1.0
        window = ScreenWindow(PLAYER_TITLE)
        try:
            while 0 <= index < len(self.steps):
                image = self._frame(index)
                if image is None:
                    break
                step = self.steps[index]
                frame = Frame(step.update.frame_index, step.update.t, image)
                window.show(draw_timeline(annotate(step, frame, self.exercise, self.screens[index]), self.steps, index))
                key = window.key(0 if paused else max(1, int(1000 / (self.fps * speed))))
                jump = int(SEEK_S * self.fps)
                if key in (ord("q"), 27):
                    break
                if key == ord(" "):
                    paused = not paused
                elif key == ord(","):
                    index, paused = max(0, index - 1), True
                elif key == ord("."):
                    index, paused = index + 1, True
                elif key == ord("["):
                    index = max(0, index - jump)
                elif key == ord("]"):
                    index = min(len(self.steps) - 1, index + jump)
                elif key in (ord("+"), ord("=")):
                    speed = min(8.0, speed * 2)
                elif key == ord("-"):
                    speed = max(0.125, speed / 2)
                elif not paused:
                    index += 1
        finally:
            self.capture.release()
            window.close()
