"""Drift statistics: pure functions on numpy arrays and pandas Series, no I/O.

The Population Stability Index compares the share of rows in each bin (numeric: bins cut at the
reference's quantiles; categorical: one bin per category): PSI = sum over bins of
(current - reference) * ln(current / reference). Conventionally PSI < 0.1 means no significant
change, 0.1-0.25 a moderate change, and > 0.25 a significant shift. The two-sample
Kolmogorov-Smirnov statistic is the largest gap between the two empirical distribution
functions; its p-value comes from the asymptotic Kolmogorov distribution (a small p-value, e.g.
below 0.01, says the samples are unlikely to come from the same distribution; with large
samples even a negligible shift gives a tiny p-value, which is why PSI drives the verdicts).

Missing values are ignored by the distribution statistics and measured on their own by
`missing_rate_change`. A statistic that cannot be computed (e.g. an empty sample) is NaN, and
`verdict` turns NaN into "n/a".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import kolmogorov

VERDICT_RANK: dict[str, int] = {"alert": 0, "warn": 1, "ok": 2, "n/a": 3}
"""Severity order used by `sort_worst_first` (lower sorts first)."""


@dataclass
class ColumnDrift:
    """One statistic on one column, with its verdict (a row of the drift report)."""

    column: str
    kind: Literal["numeric", "categorical", "prediction"]
    statistic: str
    """The statistic's name, e.g. "psi", "ks", "missing_rate"."""
    value: float
    threshold: float
    """The level the value is judged against (for PSI, the alert level)."""
    verdict: str
    """One of "ok", "warn", "alert", or "n/a" (could not be computed)."""
    detail: str = ""


def _as_float_array(values: Any) -> np.ndarray:
    """Values as a float64 array (pandas NA/None become NaN)."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float).ravel()


def _numeric_sample(values: Any) -> np.ndarray:
    """The non-NaN values, as float64."""
    array = _as_float_array(values)
    return array[~np.isnan(array)]


def _quantile_cuts(reference: np.ndarray, bins: int) -> np.ndarray:
    """Sorted cut points c: a value x falls in bin `searchsorted(c, x, side="right")`.

    The edges are the reference quantiles at linspace(0, 1, bins + 1), deduplicated, with the
    outer two opened to -inf/+inf: for data without ties this is exactly
    `np.histogram(x, [-inf, q1, ..., q_{bins-1}, +inf])`. A quantile value that repeats marks a
    point mass (at least ~1/bins of the reference on one value); it gets a bin of its own rather
    than being merged with its neighbours, so a constant, binary or zero-inflated column still
    has more than one bin (a constant column v: below v, exactly v, above v).
    """
    finite = reference[np.isfinite(reference)]
    if finite.size == 0:
        return np.array([], dtype=float)
    quantiles = np.quantile(finite, np.linspace(0.0, 1.0, bins + 1))
    values, counts = np.unique(quantiles, return_counts=True)
    low, high = values[0], values[-1]
    if low == high:  # constant reference: below, exactly, above
        return np.array([low, np.nextafter(low, np.inf)])
    cuts: list[float] = []
    for value, count in zip(values, counts, strict=True):
        if value != low and (value != high or count > 1):
            cuts.append(value)  # left edge of the bin starting here
        if count > 1 and value != high:
            cuts.append(np.nextafter(value, np.inf))  # close the point mass's own bin
    return np.unique(np.asarray(cuts, dtype=float))


def _psi(reference_share: np.ndarray, current_share: np.ndarray, floor: float) -> float:
    """PSI of two vectors of bin shares, each floored at `floor` (not renormalised)."""
    r = np.maximum(reference_share, floor)
    c = np.maximum(current_share, floor)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_numeric(reference: Any, current: Any, bins: int = 10, floor: float = 1e-4) -> float:
    """Population Stability Index of a numeric column, with bins from the reference's quantiles.

    Bin edges are `np.quantile(reference, np.linspace(0, 1, bins + 1))`, deduplicated (a column
    with few distinct values gets fewer bins; a repeated quantile, i.e. a point mass, gets its
    own bin), with the outermost edges opened to -inf/+inf so current values outside the
    reference's range land in the end bins. Bins are half-open [a, b), like `np.histogram`.

    Bin shares below `floor` (empty bins) are raised to `floor` and deliberately *not*
    renormalised: each bin's term then depends only on that bin, a bin empty in both samples
    contributes exactly 0, and the result matches the usual PSI implementations. Every term
    (c - r) * ln(c / r) is >= 0, so PSI >= 0.

    NaNs are ignored (see `missing_rate_change`); +-inf are extreme values that land in the end
    bins. Returns NaN when either sample is empty after dropping NaNs.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    if not floor > 0:
        raise ValueError(f"floor must be > 0, got {floor}")
    ref, cur = _numeric_sample(reference), _numeric_sample(current)
    if ref.size == 0 or cur.size == 0:
        return math.nan
    cuts = _quantile_cuts(ref, bins)
    width = cuts.size + 1
    ref_counts = np.bincount(np.searchsorted(cuts, ref, side="right"), minlength=width)
    cur_counts = np.bincount(np.searchsorted(cuts, cur, side="right"), minlength=width)
    return _psi(ref_counts / ref.size, cur_counts / cur.size, floor)


def _category_label(value: Any) -> str:
    """A category as a string; a whole float is written as an int (1.0 -> "1").

    pandas turns an integer column with a missing value into floats, so the same category
    would otherwise read "1" in one sample and "1.0" in the other.
    """
    if isinstance(value, float | np.floating) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _category_counts(values: Any) -> pd.Series:
    """Row count per category label, missing values excluded."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, object))
    labels = series.dropna().astype(object).map(_category_label)
    return labels.value_counts(sort=False)


def psi_categorical(reference: Any, current: Any, floor: float = 1e-4) -> tuple[float, list[str]]:
    """PSI over categories, and the categories of `current` never seen in `reference`.

    Categories are compared as strings (whole floats written as ints: 1.0 and 1 are the same
    category); missing values are excluded. Every category of either sample is a bin, so a
    category new in `current` (reference share floored at `floor`, not renormalised, as in
    `psi_numeric`) weighs in the PSI and is listed (sorted) in the second item. Returns
    `(nan, [])` when either sample has no non-missing value.
    """
    if not floor > 0:
        raise ValueError(f"floor must be > 0, got {floor}")
    ref, cur = _category_counts(reference), _category_counts(current)
    ref_total, cur_total = int(ref.sum()), int(cur.sum())
    if ref_total == 0 or cur_total == 0:
        return math.nan, []
    categories = sorted(set(ref.index) | set(cur.index))
    ref_share = ref.reindex(categories, fill_value=0).to_numpy(dtype=float) / ref_total
    cur_share = cur.reindex(categories, fill_value=0).to_numpy(dtype=float) / cur_total
    new = sorted(set(cur.index) - set(ref.index))
    return _psi(ref_share, cur_share, floor), new


def ks_pvalue(statistic: float, n: int, m: int) -> float:
    """Asymptotic two-sided p-value of a two-sample KS statistic for sample sizes n and m.

    The Kolmogorov distribution's survival function at `(sqrt(en) + 0.12 + 0.11 / sqrt(en)) * D`
    with `en = n * m / (n + m)`: Stephens' (1970) small-sample correction of the limit
    `sqrt(en) * D`, which is markedly more accurate for small or unequal samples. It agrees with
    `scipy.stats.ks_2samp(..., method="asymp")` (which uses the finite-n one-sample
    distribution `kstwo(round(en))`) to within 0.14 / sqrt(en) absolute, and more closely in
    the tail. NaN when either sample is empty or D is NaN.
    """
    if n <= 0 or m <= 0 or math.isnan(statistic):
        return math.nan
    root = math.sqrt(n * m / (n + m))
    return float(np.clip(kolmogorov((root + 0.12 + 0.11 / root) * statistic), 0.0, 1.0))


def ks_2sample(reference: Any, current: Any) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic D and its asymptotic two-sided p-value.

    D = max |F_ref(x) - F_cur(x)| over the pooled values, each empirical CDF evaluated with
    `searchsorted(sorted_sample, pooled, side="right")`; equal to
    `scipy.stats.ks_2samp(reference, current).statistic`. The p-value is `ks_pvalue` (Kolmogorov
    distribution with Stephens' correction). NaNs are dropped; `(nan, nan)` when either sample
    is empty.
    """
    ref, cur = np.sort(_numeric_sample(reference)), np.sort(_numeric_sample(current))
    if ref.size == 0 or cur.size == 0:
        return math.nan, math.nan
    pooled = np.concatenate([ref, cur])
    cdf_ref = np.searchsorted(ref, pooled, side="right") / ref.size
    cdf_cur = np.searchsorted(cur, pooled, side="right") / cur.size
    statistic = float(np.max(np.abs(cdf_ref - cdf_cur)))
    return statistic, ks_pvalue(statistic, ref.size, cur.size)


def _missing_rate(values: Any) -> float:
    """Share of missing values (None, NaN, pd.NA, NaT); NaN for an empty input."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, object))
    return float(series.isna().mean()) if len(series) else math.nan


def missing_rate_change(reference: Any, current: Any) -> tuple[float, float, float]:
    """(reference missing rate, current missing rate, current - reference).

    None, NaN, pd.NA and NaT count as missing. An empty input has a NaN rate (and difference).
    """
    before, after = _missing_rate(reference), _missing_rate(current)
    return before, after, after - before


def verdict(value: float, warn: float, alert: float) -> str:
    """The level of `value`: "alert" if >= alert, else "warn" if >= warn, else "ok"; NaN: "n/a".

    NaN means the statistic could not be computed (e.g. no data), which is reported as "n/a"
    rather than guessed as drift or no drift. Higher values are worse (PSI, KS statistic,
    missing-rate change); for a p-value compare `1 - p` or decide outside.
    """
    if warn > alert:
        raise ValueError(f"warn threshold {warn} is above alert threshold {alert}")
    if value is None or math.isnan(value):
        return "n/a"
    if value >= alert:
        return "alert"
    if value >= warn:
        return "warn"
    return "ok"


def sort_worst_first(rows: Iterable[ColumnDrift]) -> list[ColumnDrift]:
    """Rows ordered alert, warn, ok, n/a (unknown verdicts last), then by value descending.

    NaN values sort last within their verdict; ties keep their input order.
    """

    def key(row: ColumnDrift) -> tuple[int, int, float]:
        rank = VERDICT_RANK.get(row.verdict, len(VERDICT_RANK))
        missing = row.value is None or math.isnan(row.value)
        return rank, int(missing), 0.0 if missing else -row.value

    return sorted(rows, key=key)
