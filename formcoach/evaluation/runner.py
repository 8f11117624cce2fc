"""Run the coach on labelled clips, one process per core, exactly as a live session runs
(headless, silent, unrecorded), and compare angles with per-frame ground truth."""

from __future__ import annotations

import csv
import itertools
import math
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path

from formcoach.coach import CoachOptions, SpeechOptions, coach_session
from formcoach.errors import FormcoachError
from formcoach.evaluation.labels import ClipLabel
from formcoach.evaluation.pose_cache import (
    CachedPoseEstimator,
    cache_path,
    cached_frames,
    estimate_all,
    read_cache,
    write_cache,
)
from formcoach.evaluation.score import ClipOutcome
from formcoach.evaluation.variants import AS_FILMED, FootageVariant
from formcoach.exercises.loader import find_exercise
from formcoach.exercises.schema import BOTH, ExerciseDef
from formcoach.measurements import measure
from formcoach.sources import VideoFileSource
from formcoach.summary import Summary
from formcoach.types import Metrics, Pose, Step

# Ground-truth column → (our measurement, conversion to our convention).
GT_MEASUREMENTS: dict[str, tuple[str, Callable[[float], float]]] = {
    "knee_L": ("left_knee_flexion", lambda v: 180.0 - v),
    "knee_R": ("right_knee_flexion", lambda v: 180.0 - v),
    "hip_flex_L": ("left_hip_flexion", float),
    "hip_flex_R": ("right_hip_flexion", float),
    "trunk_lean": ("trunk_lean", float),
    "khs_L": ("left_knee_hip_shoulder", float),
    "khs_R": ("right_knee_hip_shoulder", float),
    "thigh_angle": ("thigh_angle", float),
    "pelvis_obliquity": ("pelvis_tilt", float),
    "knee_hip_width_ratio": ("knee_gap", float),
}


# The measurements that read a leg by its role, from the per-side truth.
ROLE_MEASUREMENTS = ("knee_flexion", "hip_flexion")
BILATERAL_MEASUREMENTS = ("knee_flexion", "hip_flexion", "knee_hip_shoulder")


def with_roles(values: dict[str, float], front_leg: str) -> dict[str, float]:
    """Add the truth of role measurements: front/back legs where the label names the front
    leg, else the mean of both legs for the bilateral ones (both legs move alike)."""
    if front_leg in ("left", "right"):
        back_leg = "right" if front_leg == "left" else "left"
        for name in ROLE_MEASUREMENTS:
            for role, leg in (("front", front_leg), ("back", back_leg)):
                if f"{leg}_{name}" in values:
                    values[f"{role}_{name}"] = values[f"{leg}_{name}"]
        return values  # a split stance: the legs differ, no bilateral truth
    for name in BILATERAL_MEASUREMENTS:
        if f"left_{name}" in values and f"right_{name}" in values:
            values[name] = (values[f"left_{name}"] + values[f"right_{name}"]) / 2
    return values


# In the mirror, a left column is the right leg's truth, and a tilt toward one side is one
# toward the other.
MIRRORED_COLUMNS = {"knee_L": "knee_R", "hip_flex_L": "hip_flex_R", "khs_L": "khs_R"}
MIRRORED_COLUMNS |= {right: left for left, right in MIRRORED_COLUMNS.items()}
SIGNED_ACROSS_COLUMNS = ("pelvis_obliquity",)


def read_ground_truth(path: Path, front_leg: str = "", mirrored: bool = False) -> dict[int, dict[str, float]]:
    """frame index → {our measurement name: true value}, in our conventions (of the clip in
    the mirror when ``mirrored``; ``front_leg`` is then the mirrored clip's)."""
    with path.open(newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        truth: dict[int, dict[str, float]] = {}
        for row in rows:
            values = {}
            for column, (name, convert) in GT_MEASUREMENTS.items():
                source = MIRRORED_COLUMNS.get(column, column) if mirrored else column
                raw = row.get(source)
                if raw not in (None, ""):
                    sign = -1.0 if mirrored and column in SIGNED_ACROSS_COLUMNS else 1.0
                    values[name] = sign * convert(float(raw))
            truth[int(row["frame"])] = with_roles(values, front_leg)
    return truth


# The angle families the issue tracker's targets are stated for: a measurement belongs to the
# family its name ends with (front_knee_flexion, right_hip_flexion_3d, trunk_lean, …).
JUDGED_FAMILIES = ("knee_flexion", "hip_flexion", "trunk_lean")
RECENT_FRAMES = 900  # a rep's extreme is judged when it closes: within 30 s at 30 fps


def family_of(name: str) -> str | None:
    base = name.removesuffix("_3d")
    return next((family for family in JUDGED_FAMILIES if base.endswith(family)), None)


class AngleErrors:
    """A sink summing |ours − truth| per measurement over the frames.

    Two figures: every measurement with a truth, image and ``_3d`` (what each space would
    read), and the angles the checker judged, as it judged them: the value it was handed, in
    the frames where a rule gave a verdict on it or the rep counter followed it (a rule
    suspended in this view, or a measurement no rule reads, is not judged and not scored).
    """

    stage = "evaluation"

    def __init__(self, truth: dict[int, dict[str, float]], exercise: ExerciseDef | None = None) -> None:
        self.truth = truth
        self.exercise = exercise
        names = sorted({name for values in truth.values() for name in values})
        self.names = tuple(names + [f"{n}_3d" for n in names])
        self.sums = dict.fromkeys(self.names, 0.0)
        self.counts = dict.fromkeys(self.names, 0)
        self.judged_sums = dict.fromkeys(JUDGED_FAMILIES, 0.0)
        self.judged_counts = dict.fromkeys(JUDGED_FAMILIES, 0)
        self._rule_metrics: dict[str, dict[str, str]] = {}
        self._recent: dict[int, Metrics] = {}  # frame → what the checker was handed, for END verdicts

    def __call__(self, step: Step) -> None:
        true = self.truth.get(step.update.frame_index)
        if not true or step.pose is None:
            return
        ours = measure(step.pose, self.names, step.update.t, step.update.frame_index).values
        for name in self.names:
            expected = true.get(name.removesuffix("_3d"))
            got = ours[name]
            if expected is not None and math.isfinite(got):
                self.sums[name] += abs(got - expected)
                self.counts[name] += 1
        self._judged(step)

    def _judged(self, step: Step) -> None:
        """The angles judged in this step, each on the frame it was judged on (an END rule's
        verdict comes when its rep closes, on the rep's extreme frame)."""
        if self.exercise is None:
            return
        update = step.update
        self._recent[update.frame_index] = step.metrics
        while len(self._recent) > RECENT_FRAMES:
            del self._recent[next(iter(self._recent))]
        bound = self._bound(update.side)
        judged = {
            (bound[r.rule_id], update.frame_index if r.judged_frame is None else r.judged_frame)
            for r in update.rule_results
            if r.ok is not None and r.rule_id in bound
        }
        if self.exercise.reps is not None:
            judged.add((bound[""], update.frame_index))
        for name, frame in judged:
            family = family_of(name)
            expected = self.truth.get(frame, {}).get(name.removesuffix("_3d"))
            metrics = self._recent.get(frame)
            got = metrics.get(name) if metrics is not None else math.nan
            if family is not None and expected is not None and math.isfinite(got):
                self.judged_sums[family] += abs(got - expected)
                self.judged_counts[family] += 1

    def _bound(self, side: str) -> dict[str, str]:
        """Rule id → the metric it reads on ``side`` ("" → the rep counter's)."""
        if side not in self._rule_metrics:
            assert self.exercise is not None
            exercise = self.exercise.for_side(side) if side in ("left", "right") else self.exercise
            metrics = {rule.id: rule.metric for rule in exercise.rules}
            if exercise.reps is not None:
                metrics[""] = exercise.reps.metric
            self._rule_metrics[side] = metrics
        return self._rule_metrics[side]

    def mae(self) -> dict[str, float]:
        return {n: round(self.sums[n] / self.counts[n], 2) for n in self.names if self.counts[n]}

    def judged_mae(self) -> dict[str, float]:
        return {
            f: round(self.judged_sums[f] / self.judged_counts[f], 2) for f in JUDGED_FAMILIES if self.judged_counts[f]
        }


def _cached_poses(video: Path, model_path: Path, cache_dir: Path) -> tuple[float, list[tuple[float, int, Pose | None]]]:
    """The clip's poses from the cache, estimating (and caching) them on a miss."""
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

    path = cache_path(video, model_path, cache_dir)
    if not path.exists():
        with VideoFileSource(video) as source, MediaPipePoseEstimator(model_path) as estimator:
            write_cache(path, estimate_all(iter(source), estimator), source.fps)
    return read_cache(path)


def evaluate_clip(
    label: ClipLabel,
    model_path: Path,
    cache_dir: Path | None = None,
    exercises_dir: Path | None = None,
    variant: FootageVariant = AS_FILMED,
) -> ClipOutcome:
    """Coach one clip as its ``coach_as`` exercise (runs in a worker process); with a
    ``cache_dir`` the poses come from (and go to) the pose cache. Another ``variant`` of the
    footage is made from its poses (cached for the run when no ``cache_dir`` is given), and
    ``label`` is then that variant's (``FootageVariant.label``)."""
    from formcoach.pose.mediapipe_estimator import MediaPipePoseEstimator

    assert label.coach_as is not None
    exercise = find_exercise(label.coach_as, exercises_dir)
    unilateral = exercise.sides != (BOTH,)
    sides = (label.working_side,) if unilateral and label.working_side in ("left", "right") else None
    angles = (
        AngleErrors(read_ground_truth(label.gt_csv, label.front_leg, variant.mirrored), exercise)
        if label.gt_csv and label.gt_csv.exists()
        else None
    )
    options = CoachOptions(sides=sides, window=False, speech=SpeechOptions(mute=True), record_dir=None)
    sinks = (angles,) if angles else ()
    if cache_dir is not None or not variant.is_original:
        with nullcontext(cache_dir) if cache_dir is not None else tempfile.TemporaryDirectory() as folder:
            fps, poses = _cached_poses(label.video, model_path, Path(folder))
        poses = variant.poses(poses)
        fps /= variant.frame_step
        with VideoFileSource(label.video) as source:
            frames = cached_frames(poses)
            result = coach_session(
                exercise, source, CachedPoseEstimator(poses), options, extra_sinks=sinks, frames=frames
            )
    else:
        with VideoFileSource(label.video) as source, MediaPipePoseEstimator(model_path) as estimator:
            result = coach_session(exercise, source, estimator, options, extra_sinks=sinks)
            fps = source.fps
    summary = result.summary
    rep_times = [(rep.end_s, rep.leg or rep.side) for rep in summary.reps]
    rep_times += [(cycle.t, cycle.side) for cycle in summary.cycles]
    busy_s = sum(result.times.seconds.values())
    started_t, silence_s = _silence_before_start(summary, result.end_t)
    return ClipOutcome(
        file=label.file,
        exercise=exercise.id,
        rep_times=tuple(sorted(rep_times)),
        hold_s=summary.total_hold_s,
        cues=tuple((cue.t, cue.rule) for cue in summary.cues),
        duration_s=result.frames / fps if fps else 0.0,
        detection_rate=result.detected / max(1, result.frames),
        fps=result.frames / busy_s if busy_s > 0 else 0.0,
        angle_mae=angles.mae() if angles else {},
        judged_angle_mae=angles.judged_mae() if angles else {},
        started_t=started_t,
        longest_silence_s=silence_s,
    )


def _silence_before_start(summary: Summary, end_t: float) -> tuple[float | None, float]:
    """(when coaching began, the longest stretch without a setup word before it)."""
    started = summary.started_s
    until = end_t if started is None else started
    said = sorted(h.t for h in summary.setup_hints if h.t <= until)
    marks = [0.0, *said, until]
    return started, max(b - a for a, b in itertools.pairwise(marks))


def evaluate_clips(
    labels: list[ClipLabel],
    model_path: Path,
    workers: int | None = None,
    cache_dir: Path | None = None,
    variant: FootageVariant = AS_FILMED,
) -> Iterator[tuple[ClipLabel, ClipOutcome | str]]:
    """Yield (label, outcome or error message) as clips finish, in parallel processes (the
    labels of a ``variant``: see ``evaluate_clip``)."""
    workers = workers or os.cpu_count() or 1
    # Spawned, not forked: forking a process that already runs threads (MediaPipe's graph,
    # the speech worker) can deadlock the children; spawn is also what macOS and Windows use.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(evaluate_clip, label, model_path, cache_dir, None, variant): label for label in labels}
        for future in as_completed(futures):
            label = futures[future]
            try:
                yield label, future.result()
            except FormcoachError as error:
                yield label, str(error)
