"""Drift statistics: PSI (numeric, categorical), two-sample KS, missing rates, verdicts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from gitops_ml.drift_stats import (
    ColumnDrift,
    ks_2sample,
    ks_pvalue,
    missing_rate_change,
    psi_categorical,
    psi_numeric,
    sort_worst_first,
    verdict,
)
from scipy import stats


def reference_psi(reference, current, bins=10, floor=1e-4):
    """PSI the textbook way: np.histogram over the reference's quantile edges, opened at the ends.

    Only valid for data without ties (every quantile distinct), where no deduplication happens.
    """
    edges = np.quantile(reference, np.linspace(0, 1, bins + 1))
    assert np.unique(edges).size == edges.size
    edges[0], edges[-1] = -np.inf, np.inf
    r = np.histogram(reference, edges)[0] / len(reference)
    c = np.histogram(current, edges)[0] / len(current)
    r, c = np.maximum(r, floor), np.maximum(c, floor)
    return float(np.sum((c - r) * np.log(c / r)))


# --- PSI, numeric ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "n", "m", "shift", "scale", "bins"),
    [
        (0, 5000, 5000, 0.0, 1.0, 10),
        (1, 3000, 800, 0.3, 1.0, 10),
        (2, 1000, 2500, -0.5, 2.0, 10),
        (3, 400, 60, 1.0, 0.5, 10),  # small current sample: empty bins, floored
        (4, 2000, 2000, 0.2, 1.0, 20),
        (5, 2000, 2000, 0.2, 1.0, 5),
    ],
)
def test_psi_matches_histogram_computation(seed, n, m, shift, scale, bins):
    rng = np.random.default_rng(seed)
    reference = rng.normal(size=n)
    current = rng.normal(shift, scale, size=m)
    expected = reference_psi(reference, current, bins=bins)
    assert psi_numeric(reference, current, bins=bins) == pytest.approx(expected, abs=1e-12)


def test_psi_same_distribution_is_small_and_shift_is_large():
    rng = np.random.default_rng(10)
    reference = rng.normal(size=20_000)
    same = rng.normal(size=20_000)
    shifted = rng.normal(1.0, size=20_000)
    assert 0 <= psi_numeric(reference, same) < 0.1
    assert psi_numeric(reference, shifted) > 0.25


def test_psi_ignores_nans_and_accepts_series():
    rng = np.random.default_rng(11)
    reference, current = rng.normal(size=1000), rng.normal(0.2, size=700)
    expected = psi_numeric(reference, current)
    with_nans = np.concatenate([current, [np.nan] * 300])
    assert psi_numeric(pd.Series(reference), pd.Series(with_nans)) == pytest.approx(expected)
    nullable = pd.Series([1, 2, None, 3, 4, 5], dtype="Int64")
    assert psi_numeric(nullable, [1, 2, 3, 4, 5]) == pytest.approx(0.0)


def test_values_outside_the_reference_range_land_in_the_end_bins():
    rng = np.random.default_rng(12)
    reference = rng.uniform(0, 1, size=1000)
    above = rng.uniform(5, 6, size=500)  # entirely above the reference's max
    below = rng.uniform(-6, -5, size=500)
    # Everything in the top (or bottom) decile bin: 0.9 ln(10) + 9 * (1e-4 - 0.1) ln(1e-3).
    expected = 0.9 * math.log(10) + 9 * (1e-4 - 0.1) * math.log(1e-3)
    assert psi_numeric(reference, above) == pytest.approx(expected, rel=1e-9)
    assert psi_numeric(reference, below) == pytest.approx(expected, rel=1e-9)
    assert psi_numeric(reference, [np.inf] * 10) == pytest.approx(expected, rel=1e-9)


def test_constant_reference_does_not_crash_and_still_sees_a_change():
    constant = np.full(500, 3.0)
    assert psi_numeric(constant, np.full(200, 3.0)) == 0.0
    assert psi_numeric(constant, np.full(200, 4.0)) > 0.25
    assert psi_numeric(constant, np.full(200, 2.0)) > 0.25


def test_few_distinct_values_get_fewer_bins_but_still_compare():
    rng = np.random.default_rng(13)
    binary = (rng.uniform(size=5000) < 0.3).astype(float)
    assert psi_numeric(binary, (rng.uniform(size=5000) < 0.3).astype(float)) < 0.1
    assert psi_numeric(binary, (rng.uniform(size=5000) < 0.7).astype(float)) > 0.25
    # Zero-inflated: 95% zeros, then a tail; the point mass at 0 gets its own bin.
    zeros = np.where(rng.uniform(size=5000) < 0.95, 0.0, rng.exponential(size=5000))
    more = np.where(rng.uniform(size=5000) < 0.6, 0.0, rng.exponential(size=5000))
    assert psi_numeric(zeros, more) > 0.25


@pytest.mark.parametrize(
    ("reference", "current"),
    [([], [1.0, 2.0]), ([1.0, 2.0], []), ([np.nan, np.nan], [1.0]), ([1.0], [np.nan])],
)
def test_empty_numeric_inputs_give_nan(reference, current):
    assert math.isnan(psi_numeric(np.array(reference), np.array(current)))
    statistic, pvalue = ks_2sample(np.array(reference), np.array(current))
    assert math.isnan(statistic) and math.isnan(pvalue)


def test_psi_rejects_bad_arguments():
    with pytest.raises(ValueError, match="bins"):
        psi_numeric([1.0, 2.0], [1.0], bins=0)
    with pytest.raises(ValueError, match="floor"):
        psi_numeric([1.0, 2.0], [1.0], floor=0)


# --- PSI, categorical -----------------------------------------------------------------------

CATEGORIES = np.array(["red", "green", "blue", "black"])
MIX = [0.4, 0.3, 0.2, 0.1]


def test_categorical_same_mix_is_small():
    rng = np.random.default_rng(20)
    reference = pd.Series(rng.choice(CATEGORIES, size=10_000, p=MIX))
    current = pd.Series(rng.choice(CATEGORIES, size=5_000, p=MIX))
    value, new = psi_categorical(reference, current)
    assert 0 <= value < 0.1 and new == []


def test_categorical_new_category_is_flagged_and_weighs():
    rng = np.random.default_rng(21)
    reference = pd.Series(rng.choice(CATEGORIES, size=10_000, p=MIX))
    current = rng.choice(CATEGORIES, size=5_000, p=MIX).astype(object)
    current[rng.uniform(size=current.size) < 0.3] = "purple"
    current[:2] = "amber"
    value, new = psi_categorical(reference, pd.Series(current))
    assert new == ["amber", "purple"]
    assert value > 0.25


def test_categorical_matches_direct_computation():
    reference = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    current = ["a"] * 40 + ["b"] * 40 + ["d"] * 20
    r = np.array([0.5, 0.3, 0.2, 1e-4])
    c = np.array([0.4, 0.4, 1e-4, 0.2])
    value, new = psi_categorical(reference, current)
    assert value == pytest.approx(float(np.sum((c - r) * np.log(c / r))), abs=1e-12)
    assert new == ["d"]


def test_categories_are_compared_as_strings_without_missing_values():
    # An int column that picked up a NaN becomes float in pandas: 1.0 is still category "1".
    reference = pd.Series([1, 2, 3, 1, 2, 3])
    current = pd.Series([1.0, 2.0, 3.0, np.nan, np.nan, 3.0, 2.0, 1.0])
    value, new = psi_categorical(reference, current)
    assert new == [] and value == pytest.approx(0.0)
    mixed, new = psi_categorical(pd.Series(["1", "2", None]), pd.Series([1, 2, 2, 1]))
    assert new == [] and mixed == pytest.approx(0.0)
    _, new = psi_categorical(pd.Series(["x"], dtype="str"), pd.Series([True, 10, "x"]))
    assert new == ["10", "True"]


def test_empty_categorical_inputs_give_nan():
    for reference, current in [([], ["a"]), (["a"], []), ([None, np.nan], ["a"])]:
        value, new = psi_categorical(reference, current)
        assert math.isnan(value) and new == []


# --- Kolmogorov-Smirnov ---------------------------------------------------------------------


def pvalue_tolerance(n: int, m: int) -> float:
    """How far our KS p-value may be from scipy's `method="asymp"` one: 0.15 / sqrt(en).

    scipy's is kstwo.sf(D, round(en)), the finite-n one-sample distribution; ours is the limiting
    Kolmogorov distribution at Stephens' corrected argument. Both approximate the same law and
    differ by O(1/sqrt(en)); over the whole range of D the gap stays below 0.14 / sqrt(en)
    (checked on a grid by test_ks_pvalue_gap_to_scipy_is_bounded). For n = m = 100,000 the
    tolerance is under 1e-3.
    """
    return 0.15 / math.sqrt(n * m / (n + m))


@pytest.mark.parametrize(
    ("n", "m"), [(50, 80), (200, 200), (300, 1000), (2000, 500), (5000, 5000), (100_000, 100_000)]
)
@pytest.mark.parametrize("shift", [0.0, 0.05, 0.2])
def test_ks_matches_scipy(n, m, shift):
    rng = np.random.default_rng([n, m, int(shift * 100)])
    a, b = rng.normal(size=n), rng.normal(shift, size=m)
    statistic, pvalue = ks_2sample(a, b)
    assert statistic == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    expected = stats.ks_2samp(a, b, method="asymp").pvalue
    assert pvalue == pytest.approx(expected, abs=pvalue_tolerance(n, m))


def test_ks_statistic_with_ties_matches_scipy():
    rng = np.random.default_rng(30)
    a, b = rng.integers(0, 5, size=300).astype(float), rng.integers(1, 6, size=170).astype(float)
    assert ks_2sample(a, b)[0] == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


@pytest.mark.parametrize(("n", "m"), [(50, 80), (200, 200), (300, 1000), (5000, 20_000)])
def test_ks_pvalue_gap_to_scipy_is_bounded(n, m):
    en = n * m / (n + m)
    statistics = np.linspace(0, 3, 601) / math.sqrt(en)
    ours = np.array([ks_pvalue(d, n, m) for d in statistics])
    scipy_asymp = stats.kstwo.sf(statistics, np.round(en))
    assert np.max(np.abs(ours - scipy_asymp)) < pvalue_tolerance(n, m)


def test_ks_same_distribution_versus_shift():
    rng = np.random.default_rng(31)
    reference = rng.normal(size=5000)
    assert ks_2sample(reference, rng.normal(size=3000))[1] > 0.01
    statistic, pvalue = ks_2sample(reference, rng.normal(0.5, size=3000))
    assert statistic > 0.1 and pvalue < 1e-6


def test_ks_ignores_nans_and_handles_identical_samples():
    a = np.array([1.0, 2.0, np.nan, 3.0])
    assert ks_2sample(a, a) == (0.0, 1.0)
    assert math.isnan(ks_pvalue(0.2, 0, 10))


# --- missing values, verdicts, ordering -----------------------------------------------------


def test_missing_rate_change():
    reference = pd.Series([1.0, np.nan, 3.0, 4.0])
    current = pd.Series(["a", None, pd.NA, "d", np.nan], dtype=object)
    assert missing_rate_change(reference, current) == pytest.approx((0.25, 0.6, 0.35))
    assert missing_rate_change([1, 2], [None, 2]) == pytest.approx((0.0, 0.5, 0.5))
    before, after, change = missing_rate_change([], [1])
    assert math.isnan(before) and after == 0.0 and math.isnan(change)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "ok"), (0.099, "ok"), (0.1, "warn"), (0.2, "warn"), (0.25, "alert"), (3.0, "alert")],
)
def test_verdict_levels(value, expected):
    assert verdict(value, 0.1, 0.25) == expected


def test_verdict_nan_is_not_applicable_and_thresholds_are_checked():
    assert verdict(math.nan, 0.1, 0.25) == "n/a"
    assert verdict(float("nan"), 0.1, 0.1) == "n/a"
    with pytest.raises(ValueError, match="above alert"):
        verdict(0.5, 0.3, 0.2)


def test_sort_worst_first():
    def row(name: str, value: float, level: str) -> ColumnDrift:
        return ColumnDrift(name, "numeric", "psi", value, 0.25, level)

    rows = [
        row("ok-low", 0.01, "ok"),
        row("na", math.nan, "n/a"),
        row("warn-low", 0.12, "warn"),
        row("alert-low", 0.3, "alert"),
        row("ok-high", 0.05, "ok"),
        row("alert-high", 2.0, "alert"),
        row("warn-high", 0.2, "warn"),
        row("alert-nan", math.nan, "alert"),
    ]
    ordered = [r.column for r in sort_worst_first(rows)]
    assert ordered == [
        "alert-high",
        "alert-low",
        "alert-nan",
        "warn-high",
        "warn-low",
        "ok-high",
        "ok-low",
        "na",
    ]
    assert sort_worst_first([]) == []


def test_column_drift_fields():
    drift = ColumnDrift("age", "prediction", "psi", 0.3, 0.25, "alert", "mean 0.4 -> 0.6")
    assert (drift.column, drift.kind, drift.statistic, drift.detail) == (
        "age",
        "prediction",
        "psi",
        "mean 0.4 -> 0.6",
    )
    assert ColumnDrift("x", "numeric", "ks", 0.1, 0.01, "ok").detail == ""
