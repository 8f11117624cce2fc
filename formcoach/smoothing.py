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


def _alpha(cutoff_hz: FloatArray | float, dt: FloatArray) -> FloatArray:
    """Smoothing factor of a first-order low-pass at ``cutoff_hz`` over steps of ``dt`` s:
    1 / (1 + tau / dt) with tau = 1 / (2 pi cutoff), written with one division."""
    r = (2 * math.pi) * cutoff_hz * dt
    return np.asarray(r / (r + 1.0))


class OneEuroFilter:
    """Vectorised One Euro filter over an array of any shape.

    ``beta`` is scaled by the caller's units: with pixel coordinates a speed of 100 px/s is
    typical, so the default ``beta`` is per pixel/second divided by ``speed_scale`` (a
    number, or an array broadcast over the input: one scale per column).
    Each element keeps its own last time: a NaN input leaves that element's state untouched
    (and comes out NaN), and its next value is filtered over the whole time since it was seen.
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(), speed_scale: float | FloatArray = 1.0) -> None:
        self.params = params
        self._beta = params.beta / np.asarray(speed_scale, dtype=np.float64)
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
        # NaN stands for "not seen" and flows through the arithmetic without warnings.
        known = np.isfinite(x)
        dt = t - self._t  # NaN where never seen
        update = known & (dt > 0)
        first = known & np.isnan(self._t)  # first sight of an element: take it as it is
        safe_dt = np.where(update, dt, 1.0)
        dx_hat = self._dx + _alpha(self.params.derivative_cutoff_hz, safe_dt) * ((x - self._x) / safe_dt - self._dx)
        cutoff = self.params.min_cutoff_hz + self._beta * np.abs(dx_hat)
        x_hat = self._x + _alpha(cutoff, safe_dt) * (x - self._x)
        self._x = np.where(update, x_hat, np.where(first, x, self._x))
        self._dx = np.where(update, dx_hat, np.where(first, 0.0, self._dx))
        self._t = np.where(update | first, t, self._t)
        return np.where(update, x_hat, np.where(known, x, np.nan))


# Image coordinates move ~100× more per second (px) than world ones (m).
_PIXEL_SPEED_SCALE, _WORLD_SPEED_SCALE = 100.0, 1.0


class PoseSmoother:
    """Smooths a stream of poses; forgets its state when the person is lost for a while.

    Landmarks below ``min_visibility`` are not fed to the filter (their noise would drag
    the estimate), and after ``reset_after_s`` without a pose the filter restarts rather
    than gliding from where the person was. Image and world coordinates go through one
    filter, side by side, as five columns.
    """

    def __init__(
        self,
        params: OneEuroParams = OneEuroParams(),
        min_visibility: float = 0.5,
        reset_after_s: float = 0.5,
    ) -> None:
        self.params = params
        self.min_visibility = min_visibility
        self.reset_after_s = reset_after_s
        self._filter: OneEuroFilter | None = None
        self._with_world = False
        self._last_t: float | None = None

    def __call__(self, pose: Pose | None, t: float) -> Pose | None:
        if self._last_t is not None and t - self._last_t > self.reset_after_s:
            # The person was gone for a while: start afresh rather than glide from there.
            self._filter = None
            self._last_t = None
        if pose is None:
            return None
        self._last_t = pose.t
        with_world = pose.world is not None
        if self._filter is None or with_world != self._with_world:
            scale = [_PIXEL_SPEED_SCALE] * 2 + [_WORLD_SPEED_SCALE] * 3 * with_world
            self._filter, self._with_world = OneEuroFilter(self.params, np.array(scale)), with_world
        raw = np.hstack((pose.xy, pose.world)) if pose.world is not None else pose.xy
        seen = (pose.visibility >= self.min_visibility)[:, None]
        smoothed = np.where(seen, self._filter(np.where(seen, raw, np.nan), pose.t), raw)
        world = smoothed[:, 2:] if pose.world is not None else None
        return replace(pose, xy=smoothed[:, :2], world=world)
