"""Hold timer, rep counter and cycle counter: pure state machines over (t, value)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from formcoach.exercises.schema import CycleSpec, HoldSpec, RepSpec

# A form fault builds up before it crosses a band's edge and settles after it comes back:
# rendered faults ramp in and out over a second, crossing the edge half-way. So once a break
# is confirmed, this much before it is taken back too, and after it the clock resumes only
# once form has held this long (not credited). Measured on renders-wide couch stretches (32 s
# of good form, two faults): 33.1–33.7 s timed with the edges counted, 31.1–32.0 s without.
FAULT_EDGE_S = 0.5
REST_S = 1.0  # the start position's own level is learnt over this long
REST_RATE = 10.0  # changing slower than this per second: resting


class HoldTimer:
    """Seconds held in good form.

    Time in a form break shorter than the grace period still counts (a wobble is not a
    failure); once a break outlasts grace, the time since it began (and ``FAULT_EDGE_S``
    before) is taken back and the clock stops until form has returned for ``FAULT_EDGE_S``;
    that settling time then counts, since it was held in form.
    Losing the pose stops the clock at once.
    """

    def __init__(self, spec: HoldSpec, edge_s: float = FAULT_EDGE_S) -> None:
        self.spec = spec
        self.edge_s = edge_s
        self.committed_s = 0.0
        self.pending_s = 0.0  # time inside a break that is still within grace
        self.break_since: float | None = None
        self.running = False
        self._last_t: float | None = None
        self._credits: deque[tuple[float, float]] = deque()  # (t, committed_s) over the last edge_s
        self._settling_since: float | None = None  # back in form after a confirmed break
        self._after_fault = False

    @property
    def held_s(self) -> float:
        return self.committed_s + self.pending_s

    def _credit(self, t: float, seconds: float) -> None:
        self.committed_s += seconds
        self._credits.append((t, self.committed_s))
        while len(self._credits) > 1 and self._credits[1][0] <= t - self.edge_s:
            self._credits.popleft()

    def _take_back_edge(self, break_since: float) -> None:
        """Back to what was held ``edge_s`` before the break began (time accrues at most one
        second per second, so the credit at that moment is bounded by the next entry's)."""
        cut = break_since - self.edge_s
        held_at_cut = self.committed_s - (break_since - cut)
        for t, held in self._credits:
            if t <= cut:
                held_at_cut = max(held_at_cut, held)
        self.committed_s = max(0.0, min(self.committed_s, held_at_cut))
        self._credits.clear()

    def update(self, t: float, in_form: bool, visible: bool) -> str | None:
        """Advance to ``t``; returns "start", "pause" or None when the state changed."""
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        if not visible:
            self.pending_s = 0.0
            self.break_since = None
            self._settling_since = None
            return self._set_running(False)
        if in_form:
            if self._after_fault:
                # Back in form after a confirmed fault: credit only once it has settled.
                self._settling_since = t if self._settling_since is None else self._settling_since
                if t - self._settling_since < self.edge_s:
                    return None
                self._credit(t, t - self._settling_since)
                self._after_fault = False
                self._settling_since = None
                return self._set_running(True)
            if self.running or self.break_since is not None:
                self._credit(t, self.pending_s + dt)
            self.pending_s = 0.0
            self.break_since = None
            return self._set_running(True)
        self._settling_since = None
        if not self.running:
            return None
        if self.break_since is None:
            self.break_since = t - dt
        if t - self.break_since <= self.spec.grace_s:
            self.pending_s += dt
            return None
        self.pending_s = 0.0
        self._take_back_edge(self.break_since)
        self.break_since = None
        self._after_fault = True
        return self._set_running(False)

    def _set_running(self, running: bool) -> str | None:
        if running == self.running:
            return None
        self.running = running
        return "start" if running else "pause"


@dataclass(frozen=True)
class Excursion:
    """One trip away from the start position and back."""

    start_t: float
    end_t: float
    peak_t: float
    peak_value: float
    reached_end: bool
    end_held_s: float


class RepCounter:
    """Two-threshold hysteresis on one measurement; a rep counts on the way back.

    Leaving the start band begins an excursion; passing ``end`` marks the end position
    reached; coming back past ``start`` closes it. Hovering near either threshold cannot
    add reps, because a rep needs both crossings in order. Nothing counts until the start
    position has been seen (getting into position is not a rep). Short gaps in the
    measurement (NaN) are bridged; a long gap abandons the excursion.
    """

    def __init__(self, spec: RepSpec) -> None:
        self.spec = spec
        # A longer gap in the measurement abandons the excursion. A small movement seen from
        # a hard angle flickers out of view for longer (supine hip shifting from the wall:
        # the knees drop out for up to 1.6 s).
        self.max_gap_s = 1.8 if spec.relative else 0.5
        self._excursion_start: float | None = None
        self._peak_t = 0.0
        self._peak = math.nan
        self._end_since: float | None = None
        self._end_held = 0.0
        self._reached_end = False
        self._last_seen: float | None = None
        self._primed = False
        self.start = spec.start  # moved in once the rest level is known (spec.rest_margin)
        self._rest_samples: list[tuple[float, float]] | None = []  # (seconds, value) held still
        self._previous: tuple[float, float] | None = None
        self._last_at_start: tuple[float, float] | None = None  # (t, value) in the start position

    @property
    def moving(self) -> bool:
        return self._excursion_start is not None

    @property
    def at_end(self) -> bool:
        return self._end_since is not None

    @property
    def reached_end(self) -> bool:
        """Whether the excursion under way has passed the end threshold."""
        return self._reached_end

    @property
    def peak_t(self) -> float:
        return self._peak_t

    def forget_before(self, t: float) -> None:
        """Drop an excursion that began before ``t`` (e.g. while getting into position)."""
        if self._excursion_start is not None and self._excursion_start < t:
            self.reset()
            self._primed = False

    def reset(self) -> None:
        self._excursion_start = None
        self._peak = math.nan
        self._end_since = None
        self._end_held = 0.0
        self._reached_end = False

    def update(self, t: float, value: float) -> Excursion | None:
        """Feed one sample; returns the excursion that just closed, if any."""
        spec = self.spec
        if not math.isfinite(value):
            if self._last_seen is not None and t - self._last_seen > self.max_gap_s:
                self.reset()
                self._primed = False
            return None
        self._last_seen = t
        if spec.past_start(value, self.start):
            self._last_at_start = (t, value)
        if not self._primed:
            self._primed = spec.past_start(value, self.start)
            return None
        if self._excursion_start is None:
            self._learn_rest(t, value)
            if spec.past_start(value, self.start):
                return None
            self._excursion_start = self._left_start_at(t, value)
            self._previous = None  # resting is judged on consecutive samples only
            self._peak, self._peak_t = value, t
        if spec.further(value, self._peak):
            self._peak, self._peak_t = value, t
        if spec.past_end(value):
            self._reached_end = True
            if self._end_since is None:
                self._end_since = t
            self._end_held = max(self._end_held, t - self._end_since)
        else:
            self._end_since = None
        if not self._back(value):
            return None
        excursion = Excursion(self._excursion_start, t, self._peak_t, self._peak, self._reached_end, self._end_held)
        self.reset()
        # Closed short of the start band: the next rep begins only once it has been reached.
        self._primed = spec.past_start(value, self.start)
        return excursion

    def _left_start_at(self, t: float, value: float) -> float:
        """When the value crossed the start threshold, between the last sample in the start
        position and this one (not across a gap): timed from frame to frame, a rep is up to a
        frame short at a low frame rate (a squat filmed at 24 fps, every other frame: start band
        to end band in one frame, 0.58 s timed for 0.65, under min_rep_s)."""
        if self._last_at_start is None:
            return t
        t0, v0 = self._last_at_start
        if not (t0 < t <= t0 + self.max_gap_s and value != v0):
            return t
        share = (self.start - v0) / (value - v0)
        return t0 + min(1.0, max(0.0, share)) * (t - t0)

    def _back(self, value: float) -> bool:
        """Back in the start position: past the start band, or, where that band was moved in
        to the person's rest, inside the file's band and come down ``rest_margin`` from the peak
        (a rep cut short on its way down still counts as it would have)."""
        spec = self.spec
        if spec.past_start(value, self.start):
            return True
        if spec.rest_margin is None or not spec.past_start(value):
            return False
        margin = spec.rest_margin if spec.increasing else -spec.rest_margin
        return spec.further(self._peak, value + margin)

    def _learn_rest(self, t: float, value: float) -> None:
        """The level held still in the start position, over its first ``REST_S`` (on the
        way down from a rep the value passes through the band without resting)."""
        if self.spec.rest_margin is None or self._rest_samples is None:
            return
        previous = self._previous
        self._previous = (t, value)
        if previous is None or not self.spec.past_start(value) or t <= previous[0]:
            return
        if abs(value - previous[1]) / (t - previous[0]) > REST_RATE:
            return
        self._rest_samples.append((t - previous[0], value))
        if sum(dt for dt, _ in self._rest_samples) >= REST_S:
            self.start = self.spec.start_from_rest(float(np.median([v for _, v in self._rest_samples])))
            self._rest_samples = None

    def counts(self, excursion: Excursion) -> bool:
        return (
            excursion.reached_end
            and excursion.end_t - excursion.start_t >= self.spec.min_rep_s
            and (excursion.end_held_s >= self.spec.hold_end_s or not self.spec.hold_end_strict)
        )

    def short_hold(self, excursion: Excursion) -> bool:
        """Reached the end position but left it before the hold the exercise asks for."""
        return excursion.reached_end and excursion.end_held_s < self.spec.hold_end_s

    def end_held_s(self, t: float) -> float:
        """How long the end position has been held so far (0 when not at it)."""
        return 0.0 if self._end_since is None else t - self._end_since

    def meaningful(self, excursion: Excursion) -> bool:
        """Went at least a third of the way to the end: a real (if partial) attempt."""
        travel = abs(excursion.peak_value - self.start)
        return travel >= abs(self.spec.end - self.start) / 3


class CycleCounter:
    """Counts full circles traced by a point (x, y), per direction.

    The centre is the running mean over ``centre_window_s``. The first ``warm_up_s`` of
    samples are held back until a centre can be estimated, then replayed, so the first
    circle counts from its start. A circle counts once the angle has turned a full turn one
    way from its furthest point the other way, so reversing never carries part of a turn
    into the other direction. Samples within ``min_radius`` of the centre carry no
    direction and are skipped.
    """

    warm_up_s = 1.0

    def __init__(self, spec: CycleSpec) -> None:
        self.spec = spec
        self._history: deque[tuple[float, float, float]] = deque()
        self._pending: list[tuple[float, float, float]] | None = []
        self._angle: float | None = None
        self._turned = 0.0  # unwrapped angle since the last count; + clockwise on screen
        self._low = self._high = 0.0
        self.counts = {"clockwise": 0, "counterclockwise": 0}

    def _centre(self) -> tuple[float, float]:
        n = len(self._history)
        return sum(h[1] for h in self._history) / n, sum(h[2] for h in self._history) / n

    def update(self, t: float, x: float, y: float) -> str | None:
        """Feed one sample; returns the direction of a circle just completed, if any."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        self._history.append((t, x, y))
        while self._history and t - self._history[0][0] > self.spec.centre_window_s:
            self._history.popleft()
        if self._pending is not None:
            self._pending.append((t, x, y))
            if t - self._pending[0][0] < min(self.warm_up_s, self.spec.centre_window_s):
                return None
            pending, self._pending = self._pending, None
            cx, cy = self._centre()
            done = [self._turn(px - cx, py - cy) for _, px, py in pending]
            return next((d for d in reversed(done) if d), None)
        cx, cy = self._centre()
        return self._turn(x - cx, y - cy)

    def _turn(self, dx: float, dy: float) -> str | None:
        if math.hypot(dx, dy) < self.spec.min_radius:
            return None
        # Image y points down, so a positive atan2 step is clockwise as the user sees it.
        angle = math.atan2(dy, dx)
        if self._angle is None:
            self._angle = angle
            return None
        self._turned += (angle - self._angle + math.pi) % (2 * math.pi) - math.pi
        self._angle = angle
        self._low, self._high = min(self._low, self._turned), max(self._high, self._turned)
        if self._turned - self._low >= 2 * math.pi:
            direction = "clockwise"
        elif self._high - self._turned >= 2 * math.pi:
            direction = "counterclockwise"
        else:
            return None
        self._turned = self._low = self._high = 0.0
        self.counts[direction] += 1
        return direction


class RelativeSignal:
    """A small to-and-fro movement as a fraction of the person's own range.

    For movements of a few centimetres whose level depends on the body and the camera (the
    knees' height difference in supine hip shifting reads −1.6…+2.0 hip widths at rest from
    cameras 25–45° off, swinging only ±0.1–0.8): the value is smoothed (``smoothing_s``), its
    running median over ``window_s`` taken as the centre, and its distance from the centre
    divided by the running spread (the 90th percentile of those distances, at least
    ``min_spread``). Each swing then reaches ~±1 on its side (+ above the centre, − below)
    and comes back to ~0, whatever the offset or the scale: its size is what the counter
    follows, its sign which way the swing went. NaN until half a window has been seen; the
    samples seen until then are judged once, then (``take_warm_up``), for the counter to replay.
    """

    def __init__(self, window_s: float, min_spread: float, smoothing_s: float = 0.15) -> None:
        self.window_s = window_s
        self.min_spread = min_spread
        self.smoothing_s = smoothing_s
        self._smoothed: float | None = None
        self._last_t = 0.0
        self._history: deque[tuple[float, float]] = deque()
        self.ready = False
        self.warm_up: list[tuple[float, float]] = []

    def update(self, t: float, value: float) -> float:
        if not math.isfinite(value):
            return math.nan
        if self._smoothed is None:
            self._smoothed = value
            self._history.append((t, value))
        else:
            alpha = 1.0 - math.exp(-max(0.0, t - self._last_t) / self.smoothing_s)
            self._smoothed += (value - self._smoothed) * alpha
        self._last_t = t
        self._history.append((t, self._smoothed))
        while self._history[0][0] < t - self.window_s:
            self._history.popleft()
        if t - self._history[0][0] < self.window_s / 2:
            return math.nan
        values = sorted(v for _, v in self._history)
        centre = values[len(values) // 2]
        distances = sorted(abs(v - centre) for v in values)
        spread = max(distances[int(0.9 * (len(distances) - 1))], self.min_spread)
        if not self.ready:
            self.ready = True
            self.warm_up = [(ht, (v - centre) / spread) for ht, v in list(self._history)[:-1]]
        return (self._smoothed - centre) / spread

    def take_warm_up(self) -> list[tuple[float, float]]:
        """The samples seen before the centre could be judged, judged now (once): replayed into
        the counter, a movement begun during the warm-up counts from its start."""
        samples, self.warm_up = self.warm_up, []
        return samples
