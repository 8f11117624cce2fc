"""One Euro filter (Casiez, Roussel & Vogel, CHI 2012) and the pose smoother."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from synthetic import Angles, angles, make_pose

from formcoach.landmarks import Landmark
from formcoach.smoothing import OneEuroFilter, OneEuroParams, PoseSmoother

TS = [0.0, 0.033, 0.066, 0.1, 0.15, 0.2, 0.233, 0.3, 0.35, 0.4]  # uneven on purpose
XS = [0.0, 1.0, 3.0, 2.0, 5.0, 8.0, 8.0, 7.0, 10.0, 12.0]
PARAMS = OneEuroParams(min_cutoff_hz=1.0, beta=0.5, derivative_cutoff_hz=1.0)
# Verified against the hand implementation below (and by hand for the first two samples:
# dt = 0.033, alpha_d = 0.17171, dx_hat = 5.2034, cutoff = 3.6017 Hz, alpha = 0.42755).
GOLDEN = [
    0.0,
    0.4275478703166083,
    2.1543881023806453,
    2.0574815272674853,
    4.431017221903064,
    7.48497935979146,
    7.886933313608268,
    7.164897981813086,
    9.501812395415131,
    11.616886270837746,
]


def reference_one_euro(xs, ts, min_cutoff, beta, d_cutoff):
    """The published algorithm, scalar and straightforward (the paper's pseudo-code)."""

    def alpha(cutoff, te):
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    out = []
    x_prev = dx_prev = t_prev = None
    for x, t in zip(xs, ts, strict=True):
        if x_prev is None:
            x_prev, dx_prev, t_prev = x, 0.0, t
            out.append(x)
            continue
        te = t - t_prev
        t_prev = t
        dx = (x - x_prev) / te
        dx_hat = alpha(d_cutoff, te) * dx + (1 - alpha(d_cutoff, te)) * dx_prev
        cutoff = min_cutoff + beta * abs(dx_hat)
        x_hat = alpha(cutoff, te) * x + (1 - alpha(cutoff, te)) * x_prev
        x_prev, dx_prev = x_hat, dx_hat
        out.append(x_hat)
    return out


def run_filter(xs, ts, params=PARAMS, speed_scale=1.0):
    f = OneEuroFilter(params, speed_scale=speed_scale)
    return [float(f(np.array(x, dtype=float), t)) for x, t in zip(xs, ts, strict=True)]


def test_reference_matches_golden():
    assert reference_one_euro(XS, TS, 1.0, 0.5, 1.0) == pytest.approx(GOLDEN, abs=1e-12)
    # Second sample by hand.
    te = 0.033
    a_d = 1 / (1 + 1 / (2 * math.pi * 1.0) / te)
    dx_hat = a_d * (1.0 / te)
    a = 1 / (1 + 1 / (2 * math.pi * (1.0 + 0.5 * dx_hat)) / te)
    assert GOLDEN[1] == pytest.approx(a * 1.0, abs=1e-12)


def test_one_euro_matches_golden_series():
    assert run_filter(XS, TS) == pytest.approx(GOLDEN, abs=1e-9)


@pytest.mark.parametrize(
    "params", [OneEuroParams(), OneEuroParams(0.5, 0.0, 2.0), OneEuroParams(3.0, 2.0, 0.7)], ids=str
)
def test_one_euro_matches_reference_for_other_params(params):
    expected = reference_one_euro(XS, TS, params.min_cutoff_hz, params.beta, params.derivative_cutoff_hz)
    assert run_filter(XS, TS, params) == pytest.approx(expected, abs=1e-9)


def test_speed_scale_divides_beta():
    scaled = run_filter([x * 100 for x in XS], TS, PARAMS, speed_scale=100.0)
    assert [s / 100 for s in scaled] == pytest.approx(GOLDEN, abs=1e-9)


def test_vector_elements_are_filtered_independently():
    f = OneEuroFilter(PARAMS)
    rows = [f(np.array([[x, -2 * x], [0.5 * x, 7.0]]), t) for x, t in zip(XS, TS, strict=True)]
    stacked = np.array(rows)
    assert stacked[:, 0, 0] == pytest.approx(GOLDEN, abs=1e-9)
    # Adaptive (speed-dependent) filtering is not linear: compare with each series alone.
    assert stacked[:, 0, 1] == pytest.approx(run_filter([-2 * x for x in XS], TS), abs=1e-9)
    assert stacked[:, 1, 0] == pytest.approx(run_filter([0.5 * x for x in XS], TS), abs=1e-9)
    assert stacked[:, 1, 1] == pytest.approx([7.0] * len(TS), abs=1e-12)


def test_constant_input_stays_constant():
    ts = np.arange(60) / 30
    out = run_filter([3.25] * len(ts), ts)
    assert out == pytest.approx([3.25] * len(ts), abs=1e-12)


def test_step_is_followed_with_lag_then_converges():
    ts = np.arange(90) / 30.0  # 3 s at 30 fps; step at frame 30
    xs = [0.0] * 30 + [10.0] * 60
    out = run_filter(xs, ts, OneEuroParams(1.0, 0.0, 1.0))
    assert out[29] == pytest.approx(0.0)
    assert 0.0 < out[30] < 5.0  # lags behind the step
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(out[30:]))  # monotone approach
    assert all(v <= 10.0 + 1e-9 for v in out)  # no overshoot
    assert out[45] < 10.0 - 0.1  # still lagging after half a second at 1 Hz, beta 0
    assert out[-1] == pytest.approx(10.0, abs=0.01)  # converged after 2 s


def test_higher_beta_means_less_lag_on_fast_moves():
    ts = np.arange(40) / 30.0
    xs = [0.0] * 10 + [100.0] * 30
    slow = run_filter(xs, ts, OneEuroParams(1.0, 0.0, 1.0))
    fast = run_filter(xs, ts, OneEuroParams(1.0, 1.0, 1.0))
    assert fast[12] > slow[12] + 10.0


def test_nan_input_comes_out_nan_and_leaves_values_alone():
    xs = list(XS)
    xs[4] = math.nan
    out = run_filter(xs, TS)
    assert math.isnan(out[4])
    assert out[:4] == pytest.approx(GOLDEN[:4], abs=1e-12)
    assert all(math.isfinite(v) for v in out[5:])
    # The state after the gap continues from the last filtered value, not from NaN or 0.
    assert GOLDEN[3] < out[5] < 8.0


def test_nan_at_start_restarts_from_first_known_value():
    f = OneEuroFilter(PARAMS)
    first = f(np.array([math.nan, 1.0]), 0.0)
    assert math.isnan(first[0])
    second = f(np.array([5.0, 1.0]), 0.033)
    assert second[0] == pytest.approx(5.0)  # starts where it is first seen, not glides from 0
    assert second[1] == pytest.approx(1.0)


def test_nan_sample_is_as_if_it_was_never_seen():
    xs = list(XS)
    xs[4] = math.nan
    out = run_filter(xs, TS)
    kept = [i for i in range(len(XS)) if i != 4]
    expected = reference_one_euro([XS[i] for i in kept], [TS[i] for i in kept], 1.0, 0.5, 1.0)
    got = [out[i] for i in kept]
    # expected[4] (t = 0.2) is 7.4829; the filter gives 7.1996
    assert got == pytest.approx(expected, abs=1e-6)


def test_reset_forgets_state():
    f = OneEuroFilter(PARAMS)
    for x, t in zip(XS, TS, strict=True):
        f(np.array(x), t)
    f.reset()
    assert float(f(np.array(-50.0), 1.0)) == pytest.approx(-50.0)


def test_params_are_validated():
    with pytest.raises(ValueError):
        OneEuroParams(min_cutoff_hz=0.0)
    with pytest.raises(ValueError):
        OneEuroParams(beta=-0.1)
    with pytest.raises(ValueError):
        OneEuroParams(derivative_cutoff_hz=-1.0)


# -- PoseSmoother ------------------------------------------------------------------------


def _pose_at(t, shift_px=0.0, **kwargs):
    pose = make_pose(angles(hip=20.0, knee=30.0), facing="left", t=t, **kwargs)
    return replace(pose, xy=pose.xy + np.array([shift_px, 0.0]))


def test_smoother_passes_a_still_pose_through():
    smoother = PoseSmoother()
    raw = _pose_at(0.0)
    for i in range(10):
        out = smoother(_pose_at(i / 30), i / 30)
    np.testing.assert_allclose(out.xy, raw.xy, atol=1e-9)
    np.testing.assert_allclose(out.world, raw.world, atol=1e-12)


def test_smoother_lags_on_a_jump_within_a_short_gap():
    smoother = PoseSmoother(reset_after_s=0.5)
    for i in range(30):
        smoother(_pose_at(i / 30), i / 30)
    last_t = 29 / 30
    for k in range(1, 6):  # 0.17 s without a pose
        assert smoother(None, last_t + k / 30) is None
    t = last_t + 6 / 30
    out = smoother(_pose_at(t, shift_px=200.0), t)
    dx = out.xy[:, 0] - _pose_at(t).xy[:, 0]
    assert 0.0 < dx.mean() < 200.0 - 1.0  # glides toward the new place


def test_smoother_resets_after_a_long_gap():
    smoother = PoseSmoother(reset_after_s=0.5)
    for i in range(30):
        smoother(_pose_at(i / 30), i / 30)
    last_t = 29 / 30
    t = last_t
    for k in range(1, 21):  # 0.67 s of frames without a pose
        t = last_t + k / 30
        assert smoother(None, t) is None
    t += 1 / 30
    raw = _pose_at(t, shift_px=200.0)
    out = smoother(raw, t)
    np.testing.assert_allclose(out.xy, raw.xy, atol=1e-9)  # starts afresh, no glide
    np.testing.assert_allclose(out.world, raw.world, atol=1e-12)


def test_smoother_resets_when_the_next_pose_comes_after_a_long_gap():
    smoother = PoseSmoother(reset_after_s=0.5)
    for i in range(30):
        smoother(_pose_at(i / 30), i / 30)
    t = 29 / 30 + 0.8  # next pose 0.8 s later
    raw = _pose_at(t, shift_px=200.0)
    out = smoother(raw, t)
    np.testing.assert_allclose(out.xy, raw.xy, atol=1e-6)


def test_smoother_does_not_feed_invisible_landmarks():
    smoother = PoseSmoother(min_visibility=0.5)
    for i in range(30):
        smoother(_pose_at(i / 30), i / 30)
    t = 1.0
    # The knee jumps 100 px but is flagged invisible: it comes out raw (not smoothed) and
    # does not disturb the filter's knee state.
    hidden = _pose_at(t, visibility_overrides={Landmark.LEFT_KNEE: 0.2})
    xy = hidden.xy.copy()
    xy[Landmark.LEFT_KNEE] += 100.0
    out = smoother(replace(hidden, xy=xy), t)
    np.testing.assert_allclose(out.xy[Landmark.LEFT_KNEE], xy[Landmark.LEFT_KNEE])
    t2 = t + 1 / 30
    back = smoother(_pose_at(t2), t2)
    np.testing.assert_allclose(back.xy[Landmark.LEFT_KNEE], _pose_at(t2).xy[Landmark.LEFT_KNEE], atol=1e-6)


def test_smoother_keeps_pose_identity_fields():
    smoother = PoseSmoother()
    raw = make_pose(Angles(left_knee=45.0), t=2.5, frame_index=75)
    out = smoother(raw, 2.5)
    assert (out.t, out.frame_index, out.image_wh) == (2.5, 75, raw.image_wh)
    np.testing.assert_array_equal(out.visibility, raw.visibility)
