"""Landmark smoothing: a One Euro filter (Casiez et al., CHI 2012) over every coordinate.

The filter adapts its cut-off to speed: still joints are smoothed hard (no jitter near a
threshold), moving joints lightly (little lag when counting). Time comes from the poses,
never the wall clock, so a replay smooths exactly as the live run did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from formcoach.types import FloatArray, Pose


@dataclass(frozen=True)
class OneEuroParams:
    min_cutoff_hz: float = 1.5
    beta: float = 0.3
    derivative_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        if self.min_cutoff_hz <= 0 or self.derivative_cutoff_hz <= 0 or self.beta < 0:
            raise ValueError("One Euro cut-offs must be > 0 and beta >= 0")


def _alpha(cutoff_hz: FloatArray | float, dt: FloatArray | float) -> FloatArray | float:
    tau = 1.0 / (2 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Vectorised One Euro filter over an array of any shape.

    ``beta`` is scaled by the caller's units: with pixel coordinates a speed of 100 px/s is
    typical, so the default ``beta`` is per pixel/second divided by ``speed_scale``.
    Each element keeps its own last time: a NaN input leaves that element's state untouched
    (and comes out NaN), and its next value is filtered over the whole time since it was seen.
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(), speed_scale: float = 1.0) -> None:
        self.params = params
        self.speed_scale = speed_scale
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t: FloatArray | None = None  # per element; NaN until first seen

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: FloatArray, t: float) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None or self._t is None:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = np.where(np.isfinite(x), t, np.nan)
            return x.copy()
        known = np.isfinite(x)
        seen_before = np.isfinite(self._t) & np.isfinite(self._x)
        dt = np.where(seen_before, t - self._t, np.inf)
        update = known & seen_before & (dt > 0)
        safe_dt = np.where(update, dt, 1.0)
        prev = np.where(update, self._x, x)
        dx = np.where(update, (x - prev) / safe_dt, 0.0)
        dx_hat = self._dx + _alpha(self.params.derivative_cutoff_hz, safe_dt) * (dx - self._dx)
        cutoff = self.params.min_cutoff_hz + self.params.beta * np.abs(dx_hat) / self.speed_scale
        x_hat = np.where(update, prev + _alpha(cutoff, safe_dt) * (x - prev), x)
        first = known & ~seen_before  # first sight of an element: take it as it is
        self._x = np.where(update | first, x_hat, self._x)
        self._dx = np.where(update, dx_hat, np.where(first, 0.0, self._dx))
        self._t = np.where(update | first, t, self._t)
        return np.where(known, x_hat, np.nan)


class PoseSmoother:
    """Smooths a stream of poses; forgets its state when the person is lost for a while.

    Landmarks below ``min_visibility`` are not fed to the filter (their noise would drag
    the estimate), and after ``reset_after_s`` without a pose the filter restarts rather
    than gliding from where the person was.
    """

    def __init__(
        self,
        params: OneEuroParams = OneEuroParams(),
        min_visibility: float = 0.5,
        reset_after_s: float = 0.5,
    ) -> None:
        self.min_visibility = min_visibility
        self.reset_after_s = reset_after_s
        # Image coordinates move ~100× more per second (px) than world ones (m).
        self._xy = OneEuroFilter(params, speed_scale=100.0)
        self._world = OneEuroFilter(params, speed_scale=1.0)
        self._last_t: float | None = None

    def __call__(self, pose: Pose | None, t: float) -> Pose | None:
        if self._last_t is not None and t - self._last_t > self.reset_after_s:
            # The person was gone for a while: start afresh rather than glide from there.
            self._xy.reset()
            self._world.reset()
            self._last_t = None
        if pose is None:
            return None
        self._last_t = pose.t
        seen = (pose.visibility >= self.min_visibility)[:, None]
        xy = self._xy(np.where(seen, pose.xy, np.nan), pose.t)
        xy = np.where(np.isfinite(xy), xy, pose.xy)
        world = None
        if pose.world is not None:
            world = self._world(np.where(seen, pose.world, np.nan), pose.t)
            world = np.where(np.isfinite(world), world, pose.world)
        return replace(pose, xy=xy, world=world)
