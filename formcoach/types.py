"""The data that flows between the stages. All frozen: a stage returns new values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from formcoach.landmarks import NUM_LANDMARKS

if TYPE_CHECKING:
    from formcoach.view import CameraView

FloatArray = npt.NDArray[np.float64]
ImageArray = npt.NDArray[np.uint8]


def _read_only(array: FloatArray) -> FloatArray:
    array = np.array(array, dtype=np.float64)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Frame:
    """One image from a source. ``t`` is seconds since the source started (the only clock)."""

    index: int
    t: float
    image: ImageArray


# The precision poses are kept at, live and on disk: far below landmark noise, and what lets
# a replay of a recording reproduce the live session's events exactly.
PIXEL_DECIMALS, WORLD_DECIMALS, VISIBILITY_DECIMALS = 2, 4, 3


@dataclass(frozen=True, eq=False)
class Pose:
    """One person's 33 landmarks in one frame.

    ``xy`` is in pixels of the frame (angles on normalised coordinates are wrong on
    non-square frames); ``world`` is in metres, centred between the hips (None when the
    estimator gives none); ``visibility`` is 0..1 per landmark.
    """

    t: float
    frame_index: int
    xy: FloatArray
    visibility: FloatArray
    image_wh: tuple[int, int]
    world: FloatArray | None = None
    others_in_view: int = 0  # other people the estimator found in the frame

    def __post_init__(self) -> None:
        object.__setattr__(self, "xy", _read_only(self.xy))
        object.__setattr__(self, "visibility", _read_only(self.visibility))
        if self.world is not None:
            object.__setattr__(self, "world", _read_only(self.world))
        if self.xy.shape != (NUM_LANDMARKS, 2) or self.visibility.shape != (NUM_LANDMARKS,):
            raise ValueError(f"a pose needs {NUM_LANDMARKS} landmarks, got xy {self.xy.shape}")
        if self.world is not None and self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"world landmarks must be ({NUM_LANDMARKS}, 3), got {self.world.shape}")

    def quantized(self) -> Pose:
        """This pose at the precision recordings keep (see PIXEL_DECIMALS)."""
        world = None if self.world is None else np.round(self.world, WORLD_DECIMALS)
        return Pose(
            self.t,
            self.frame_index,
            np.round(self.xy, PIXEL_DECIMALS),
            np.round(self.visibility, VISIBILITY_DECIMALS),
            self.image_wh,
            world,
            self.others_in_view,
        )


class Facing(StrEnum):
    """How the body is placed relative to the camera, decided from the pose."""

    LEFT = "left"  # standing side-on, face toward the image's left
    RIGHT = "right"
    CAMERA = "camera"  # standing or sitting, chest toward the camera
    LYING = "lying"  # trunk closer to horizontal than vertical
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Metrics:
    """Named measurements of one pose; NaN where the landmarks were not visible enough."""

    t: float
    frame_index: int
    values: dict[str, float]
    facing: Facing = Facing.UNKNOWN
    visible: bool = True  # whether a pose was found at all
    parts_in_frame: frozenset[str] = frozenset()  # body parts seen inside the frame (either side)
    front_side: str = ""  # the leg whose thigh points further forward ("" when unknown)
    view: CameraView | None = None  # where the camera stands (None: not judgeable)
    # Measurements the image cannot judge from this view and nothing else stands in for.
    suspended: frozenset[str] = frozenset()
    others_in_view: int = 0  # other people in the frame besides the one measured

    def get(self, name: str) -> float:
        return self.values.get(name, float("nan"))


class EventKind(StrEnum):
    SETUP_HINT = "setup_hint"
    START = "start"
    REP_DONE = "rep_done"
    REP_PARTIAL = "rep_partial"
    SHORT_HOLD = "short_hold"  # a rep's end position left before the hold the exercise asks for
    HOLD_START = "hold_start"
    HOLD_PAUSE = "hold_pause"
    HOLD_MILESTONE = "hold_milestone"
    HOLD_DONE = "hold_done"
    CYCLE_DONE = "cycle_done"
    RULE_FAIL = "rule_fail"
    RULE_OK = "rule_ok"
    SET_DONE = "set_done"
    REST = "rest"
    SIDE_SWITCH = "side_switch"
    POSE_LOST = "pose_lost"
    EXERCISE_DONE = "exercise_done"
    ADVICE = "advice"  # the exercise's advice: planned, said in order in the pauses
    ENCOURAGEMENT = "encouragement"  # a word between reps: said only when nothing else is


# Cue priorities: higher is said first.
SAFETY = 40  # setup and safety
CORRECTION = 30
COUNT = 20
ENCOURAGEMENT = 10


@dataclass(frozen=True)
class Event:
    """Something that happened at ``t``; ``message`` is what the coach would say (may be '')."""

    t: float
    kind: EventKind
    key: str = ""  # rule id, milestone, …: what cooldowns and scoring group by
    message: str = ""
    priority: int = COUNT
    side: str = ""
    data: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Said:
    """A cue the coach spoke at stream time ``t`` (and showed on screen)."""

    t: float
    key: str
    text: str


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    value: float
    ok: bool | None  # None: not judged now (wrong phase, or the metric is unknown)
    direction: str = ""  # "below" or "above" when not ok
    judged_frame: int | None = None  # an END rule's verdict: the rep's extreme frame it judged


class Intent(StrEnum):
    """What the user asked for with a key; the session runner applies it between frames."""

    SKIP_SIDE = "skip_side"  # on to the next side (or finish)
    RESTART_SIDE = "restart_side"  # this side again, from setup


class CoachPhase(StrEnum):
    """Where the coaching of a side stands in a frame (``CheckerUpdate.phase``)."""

    SETUP = "setup"  # getting the person and the camera into place
    ACTIVE = "active"  # setup just confirmed (the frame the start cue is given)
    START = "start"  # a rep exercise: in the start position
    MOVING = "moving"  # between the start and end positions
    END = "end"  # at the end position
    REST = "rest"  # between sets
    HOLD = "hold"  # a hold, the clock running
    POSITION = "position"  # a hold, the clock stopped (out of form, or not yet started)
    CIRCLES = "circles"
    DONE = "done"


@dataclass(frozen=True)
class CheckerUpdate:
    """What the checker made of one frame."""

    t: float
    frame_index: int
    exercise: str
    side: str
    phase: CoachPhase
    rep_count: int
    set_index: int
    hold_s: float
    # Each rule's verdict in this frame; an END rule's comes on the frame its rep ends.
    rule_results: tuple[RuleResult, ...]
    events: tuple[Event, ...]
    finished: bool = False


@dataclass(frozen=True, eq=False)
class Step:
    """Everything known about one frame once it has gone through the pipeline: what every
    sink (overlay, speech, recorder, summary, eval) is handed."""

    frame: Frame | None  # None when replaying poses without their video
    raw_pose: Pose | None
    pose: Pose | None
    metrics: Metrics
    update: CheckerUpdate
    latency_s: float = 0.0  # frame read → checker decision (wall time, for display and bench)


Sink = Callable[[Step], None]


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over frames (wall time, for reporting only)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    frames: int = 0

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] += seconds

    def ms_per_frame(self) -> dict[str, float]:
        return {k: 1000 * v / max(1, self.frames) for k, v in self.seconds.items()}
