"""Pure scoring of what the coach did on a clip against the clip's labels.

Rep metrics follow RepCount-A: exact match, off-by-one (|error| ≤ 1) and mean absolute
error normalised by the labelled count (a label of 0 counts as 1, so a clip with no reps
still scores a false count).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from formcoach.evaluation.labels import ClipLabel

CUE_LATE_S = 2.0  # a cue up to this long after a fault ends still caught it
HOLD_TOLERANCE_S = 1.0  # a hold timed within this of the labelled good-form time is right
OFFSET_BUCKETS = ((0.0, 15.0), (15.0, 30.0), (30.0, 45.0))  # camera offset from the asked view, degrees


def offset_bucket(offset_deg: float | None) -> str:
    """The camera-offset bucket a clip falls in ("30–45°"), or "" when the label gives no camera."""
    if offset_deg is None:
        return ""
    for low, high in OFFSET_BUCKETS:
        if low <= abs(offset_deg) < high or (high == OFFSET_BUCKETS[-1][1] and abs(offset_deg) >= low):
            return f"{low:.0f}–{high:.0f}°"
    return ""


@dataclass(frozen=True)
class ClipOutcome:
    """What the coach did on one clip (everything the scorer needs, nothing more)."""

    file: str
    exercise: str
    rep_times: tuple[tuple[float, str], ...]  # (end time, leg) of every rep or circle counted
    hold_s: float
    cues: tuple[tuple[float, str], ...]  # (t, rule id) of every correction
    duration_s: float
    detection_rate: float
    fps: float
    angle_mae: dict[str, float] = field(default_factory=dict)
    # The angles the checker judged, by family (knee_flexion, hip_flexion, trunk_lean).
    judged_angle_mae: dict[str, float] = field(default_factory=dict)
    started_t: float | None = None  # when coaching began (None: it never did)
    longest_silence_s: float = 0.0  # longest time without a word before coaching began


@dataclass(frozen=True)
class FaultResult:
    rule: str
    start_s: float
    end_s: float
    caught: bool
    latency_s: float | None  # first matching cue after the fault began


@dataclass(frozen=True)
class ClipScore:
    file: str
    exercise: str
    reps: int
    reps_label: int
    reps_accept: tuple[int, int]
    exact: bool
    within_accept: bool
    off_by_one: bool
    normalised_error: float
    side_counts: dict[str, tuple[int, int]]  # side → (counted, labelled), alternating moves
    hold_s: float | None
    hold_label_s: float | None
    hold_error_s: float | None
    faults: tuple[FaultResult, ...]
    false_cues: int
    false_cues_per_min: float
    minutes: float
    detection_rate: float
    fps: float
    angle_mae: dict[str, float]
    judged_angle_mae: dict[str, float] = field(default_factory=dict)
    is_hold: bool = False  # a hold exercise: scored on its hold time, never on a count
    camera_offset_deg: float | None = None
    longest_silence_s: float = 0.0

    @property
    def hold_within_tolerance(self) -> bool:
        return self.hold_error_s is not None and self.hold_error_s <= HOLD_TOLERANCE_S

    @property
    def bucket(self) -> str:
        return offset_bucket(self.camera_offset_deg)


def score_clip(label: ClipLabel, outcome: ClipOutcome, hold_exercise: bool) -> ClipScore:
    # Reps finished inside an excluded interval (a fade, a title card) are not the label's.
    counted = [leg for t, leg in outcome.rep_times if not label.excluded(t)]
    reps = len(counted)
    error = reps - label.reps
    faults = []
    for fault in label.faults:
        hits = [t for t, rule in outcome.cues if rule == fault.rule and fault.start_s <= t <= fault.end_s + CUE_LATE_S]
        faults.append(
            FaultResult(fault.rule, fault.start_s, fault.end_s, bool(hits), min(hits) - fault.start_s if hits else None)
        )
    false = [
        t
        for t, _ in outcome.cues
        if not label.excluded(t) and not any(f.start_s <= t <= f.end_s + CUE_LATE_S for f in label.faults)
    ]
    minutes = max(outcome.duration_s, 1e-9) / 60
    sides = {}
    if label.reps_left is not None and label.reps_right is not None:
        sides = {"left": (counted.count("left"), label.reps_left), "right": (counted.count("right"), label.reps_right)}
    scored_hold = hold_exercise or bool(label.target_holds)
    hold_label = label.target_hold_s if scored_hold else None
    return ClipScore(
        file=label.file,
        exercise=outcome.exercise,
        reps=reps,
        reps_label=label.reps,
        reps_accept=label.reps_accept,
        exact=error == 0,
        within_accept=label.reps_accept[0] <= reps <= label.reps_accept[1],
        off_by_one=abs(error) <= 1,
        normalised_error=abs(error) / max(label.reps, 1),
        side_counts=sides,
        hold_s=outcome.hold_s if scored_hold else None,
        hold_label_s=hold_label,
        hold_error_s=abs(outcome.hold_s - hold_label) if hold_label is not None else None,
        faults=tuple(faults),
        false_cues=len(false),
        false_cues_per_min=len(false) / minutes,
        minutes=minutes,
        detection_rate=outcome.detection_rate,
        fps=outcome.fps,
        angle_mae=outcome.angle_mae,
        judged_angle_mae=outcome.judged_angle_mae,
        is_hold=hold_exercise,
        camera_offset_deg=label.camera_offset_deg,
        longest_silence_s=outcome.longest_silence_s,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


@dataclass(frozen=True)
class Aggregate:
    """Figures over a group of clips. Rep clips are judged on their counts and hold clips on
    their timed holds, apart: a hold clip counting 0 reps is no counting success."""

    clips: int
    rep_clips: int
    rep_clips_within_accept: int
    hold_clips: int
    holds_within_tolerance: int
    faults_caught: int
    longest_silence_s: float
    exact_rate: float
    within_accept_rate: float
    off_by_one_rate: float
    mean_normalised_error: float
    hold_mean_error_s: float
    fault_recall: float
    faults: int
    false_cues_per_min: float
    detection_rate: float
    fps: float


def aggregate(scores: Sequence[ClipScore]) -> Aggregate:
    faults = [f for s in scores for f in s.faults]
    minutes = sum(s.minutes for s in scores)
    holds = [s.hold_error_s for s in scores if s.hold_error_s is not None]
    rep_clips = [s for s in scores if not s.is_hold]
    hold_clips = [s for s in scores if s.hold_error_s is not None]
    return Aggregate(
        clips=len(scores),
        rep_clips=len(rep_clips),
        rep_clips_within_accept=sum(s.within_accept for s in rep_clips),
        hold_clips=len(hold_clips),
        holds_within_tolerance=sum(s.hold_within_tolerance for s in hold_clips),
        faults_caught=sum(f.caught for f in faults),
        longest_silence_s=max((s.longest_silence_s for s in scores), default=0.0),
        exact_rate=_mean([float(s.exact) for s in rep_clips]),
        within_accept_rate=_mean([float(s.within_accept) for s in rep_clips]),
        off_by_one_rate=_mean([float(s.off_by_one) for s in rep_clips]),
        mean_normalised_error=_mean([s.normalised_error for s in rep_clips]),
        hold_mean_error_s=_mean(holds),
        fault_recall=_mean([float(f.caught) for f in faults]),
        faults=len(faults),
        false_cues_per_min=sum(s.false_cues for s in scores) / minutes if minutes > 0 else 0.0,
        detection_rate=_mean([s.detection_rate for s in scores]),
        fps=_mean([s.fps for s in scores]),
    )


def angle_mae_by_bucket(scores: Sequence[ClipScore], judged: bool = False) -> dict[str, dict[str, float]]:
    """Measurement → camera-offset bucket → mean of the clips' angle errors (degrees); with
    ``judged``, angle family → bucket → the error of the angles the checker judged."""
    sums: dict[str, dict[str, list[float]]] = {}
    for score in scores:
        if not score.bucket:
            continue
        for name, error in (score.judged_angle_mae if judged else score.angle_mae).items():
            sums.setdefault(name, {}).setdefault(score.bucket, []).append(error)
    return {name: {bucket: _mean(v) for bucket, v in sorted(b.items())} for name, b in sorted(sums.items())}
