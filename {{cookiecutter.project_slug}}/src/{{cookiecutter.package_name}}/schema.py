"""The data contract of `data/raw/churn.csv`: what every row must look like.

Inferred from 5,000 rows of that file when this project was baked. It is yours to
edit: tighten a range, allow a new category, move a column between the feature lists.
`validate` checks the raw data against `SCHEMA`; `train` builds its preprocessing from
the feature lists, so a column's role here decides how the model sees it.
"""

from __future__ import annotations

import pandera.pandas as pa

TASK = "classification"
TARGET = "churned"

# The classes the model may predict, in the order of its probability columns.
CLASSES = [
    "no",
    "yes",
]
# The class whose probability ROC AUC, precision and recall are computed for
# (binary targets only).
POSITIVE_CLASS = "yes"

# Features the model learns from: numbers are imputed (median) and scaled.
NUMERIC_FEATURES = [
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "support_calls",
    "age",
]
# Text features: imputed, then one-hot encoded (unseen categories are ignored).
CATEGORICAL_FEATURES = [
    "contract",
    "internet_service",
    "payment_method",
    "paperless_billing",
    "region",
]
# Columns validated but not given to the model, and why.
EXCLUDED_COLUMNS = {
    "customer_id": "identifier: a different value on every row",
    "signup_date": "date or timestamp (derive features from it if useful)",
}

SCHEMA = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(
            str,
            nullable=False,
            unique=True,
        ),
        "signup_date": pa.Column(
            str,
            nullable=False,
        ),
        "tenure_months": pa.Column(
            int,
            pa.Check.in_range(0, 150),
            nullable=False,
        ),
        "contract": pa.Column(
            str,
            pa.Check.isin(
                [
                    "month-to-month",
                    "one-year",
                    "two-year",
                ]
            ),
            nullable=False,
        ),
        "internet_service": pa.Column(
            str,
            pa.Check.isin(
                [
                    "dsl",
                    "fiber",
                    "none",
                ]
            ),
            nullable=False,
        ),
        "payment_method": pa.Column(
            str,
            pa.Check.isin(
                [
                    "bank transfer",
                    "credit card",
                    "electronic check",
                    "mailed check",
                ]
            ),
            nullable=False,
        ),
        "paperless_billing": pa.Column(
            str,
            pa.Check.isin(
                [
                    "no",
                    "yes",
                ]
            ),
            nullable=False,
        ),
        "monthly_charges": pa.Column(
            float,
            pa.Check.in_range(0, 300),
            nullable=False,
        ),
        "total_charges": pa.Column(
            float,
            pa.Check.in_range(0, 17000),
            nullable=True,
        ),
        "support_calls": pa.Column(
            int,
            pa.Check.in_range(0, 18),
            nullable=False,
        ),
        "age": pa.Column(
            float,
            pa.Check.in_range(0, 160),
            nullable=True,
        ),
        "region": pa.Column(
            str,
            pa.Check.isin(
                [
                    "east",
                    "north",
                    "south",
                    "west",
                ]
            ),
            nullable=True,
        ),
        "churned": pa.Column(
            str,
            pa.Check.isin(
                [
                    "no",
                    "yes",
                ]
            ),
            nullable=False,
        ),
    },
    coerce=True,
)
