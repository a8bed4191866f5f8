"""A deliberately messy CSV, the kind users bring: awkward names, IDs, dates, free text, gaps.

Column names with spaces, units and parentheses; an ID column; a date column; a free-text
column; missing values in features *and* in the target; a multiclass target whose labels are
long strings with non-ASCII characters; written semicolon-separated in Windows-1252.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TARGET = "Customer segment (label)"
CLASSES = (
    "High value – loyal customer",
    "Price-sensitive occasional buyer",
    "At risk of leaving soon",
)


def messy_frame(rows: int = 600, seed: int = 7) -> pd.DataFrame:
    """A frame whose target depends on the features, with every kind of mess listed above."""
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 400.0, rows).round(2)
    visits = rng.poisson(6, rows)
    weight = rng.normal(75, 12, rows).round(1)
    plan = rng.choice(["basic", "plus", "premium"], rows, p=[0.5, 0.3, 0.2])
    score = spend / 400 + visits / 3 + (plan == "premium") * 1.5 + rng.normal(0, 0.8, rows)
    label = np.where(score > 4.2, CLASSES[0], np.where(score > 2.6, CLASSES[1], CLASSES[2]))
    words = np.array(["called", "about", "billing", "happy", "with", "service", "late", "order"])
    notes = [" ".join(rng.choice(words, 5)) + f" #{i}" for i in range(rows)]
    frame = pd.DataFrame(
        {
            "Customer ID": [f"CUST-{i:05d}" for i in range(rows)],
            "Signup Date": pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%Y-%m-%d"),
            "Annual spend ($)": spend,
            "Visits / month": visits,
            "Weight (kg)": weight,
            "Plan type": plan,
            "Support notes": notes,
            TARGET: label,
        }
    )
    frame.loc[rng.choice(rows, 25, replace=False), "Weight (kg)"] = np.nan
    frame.loc[rng.choice(rows, 15, replace=False), "Plan type"] = np.nan
    frame.loc[rng.choice(rows, 8, replace=False), TARGET] = np.nan
    return frame


def write_messy_csv(path: Path, rows: int = 600) -> Path:
    """Write the messy frame as a semicolon-separated Windows-1252 file; return its path."""
    messy_frame(rows).to_csv(path, sep=";", index=False, encoding="cp1252")
    return path
