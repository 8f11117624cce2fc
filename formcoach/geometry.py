"""Pure, NaN-safe geometry on numpy points (2-D image or 3-D world). Angles in degrees."""

from __future__ import annotations

import math

import numpy as np

from formcoach.types import FloatArray

NAN = float("nan")


def _norm(v: FloatArray) -> float:
    return float(np.sqrt(np.dot(v, v)))


def norm(v: FloatArray) -> float:
    """Length of a vector (NaN if any component is)."""
    return _norm(v)


def cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of two 3-vectors (numpy's general ``cross`` costs ~30× more per call,
    and this runs several times a frame)."""
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def angle_between(u: FloatArray, v: FloatArray) -> float:
    """Unsigned angle between two vectors, 0..180; NaN if either is zero or NaN."""
    nu, nv = _norm(u), _norm(v)
    if not (nu > 0 and nv > 0):
        return NAN
    cos = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def included_angle(a: FloatArray, vertex: FloatArray, c: FloatArray) -> float:
    """The angle a–vertex–c, 180 when the three points are in a straight line."""
    return angle_between(a - vertex, c - vertex)


def angle_from_vertical(start: FloatArray, end: FloatArray) -> float:
    """Angle of the segment start→end from straight up, 0..180 (image y grows downward)."""
    up = np.zeros_like(start)
    up[1] = -1.0
    return angle_between(end - start, up)


def tilt_from_horizontal(a: FloatArray, b: FloatArray) -> float:
    """Tilt of the line a–b from the horizontal (plane), -90..90; positive when ``a`` is
    higher. Works in 2-D and 3-D: axis 1 points down in both image and world coordinates."""
    rise = float(b[1] - a[1])
    run = _norm(np.delete(b - a, 1))
    if not np.isfinite(rise + run) or (rise == 0 and run == 0):
        return NAN
    return float(np.degrees(np.arctan2(rise, run)))


def signed_angle(reference: FloatArray, v: FloatArray, positive_side: FloatArray) -> float:
    """Angle from ``reference`` to ``v`` (0..180), negative when ``v`` leans away from
    ``positive_side`` (a direction perpendicular-ish to ``reference``)."""
    unsigned = angle_between(reference, v)
    side = float(np.dot(v, positive_side))
    if not np.isfinite(unsigned) or not np.isfinite(side):
        return NAN
    return unsigned if side >= 0 else -unsigned


def perpendicular_component(v: FloatArray, axis: FloatArray) -> FloatArray:
    """The part of ``v`` at right angles to ``axis``."""
    n = _norm(axis)
    if not n > 0:
        return np.full_like(v, np.nan)
    unit = axis / n
    return v - float(np.dot(v, unit)) * unit


def distance(a: FloatArray, b: FloatArray) -> float:
    return _norm(a - b)


def midpoint(a: FloatArray, b: FloatArray) -> FloatArray:
    return (a + b) / 2.0
