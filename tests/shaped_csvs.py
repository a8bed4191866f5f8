"""Small CSVs of the shapes users bring, each written as its kind of tool writes it.

Each `Shape` makes a data frame with a learnable target and writes it the way a real export
looks: pandas with its index, Excel in Europe (cp1252, semicolons, decimal commas), a
tab-separated file with a byte-order mark... `write(path, frame)` writes any frame of the
shape's columns that way, so a test can write the rows to score in the same kind of file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Shape:
    """One kind of user file: how to make its data, how it is written, what the bake needs."""

    name: str
    task: str
    target: str
    make: Callable[[], pd.DataFrame]
    write: Callable[[Path, pd.DataFrame], None]
    identifiers: tuple[str, ...] = ()
    """Columns that must be kept out of the model."""
    answers: dict[str, str] = field(default_factory=dict)
    """Other cookiecutter answers for this shape's bake."""

    def answers_for(self, path: Path) -> dict[str, str]:
        """The cookiecutter answers that bake a project from this shape's file at `path`."""
        return {
            "dataset": "csv",
            "dataset_path": str(path),
            "target_column": self.target,
            "task": self.task,
            **self.answers,
        }


def _plain(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False)


def _with_index(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path)  # pandas' default: the row index first, under an empty header


def _european(path: Path, frame: pd.DataFrame) -> None:
    """As Excel saves "CSV" in much of Europe: cp1252, semicolons, decimal commas, CRLF."""
    frame.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1252", lineterminator="\r\n")


def _tab_bom(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, sep="\t", index=False, encoding="utf-8-sig")


def _pipe_quoted(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, sep="|", index=False, quoting=csv.QUOTE_NONNUMERIC)


def _gaps(rng: np.random.Generator, values: pd.Series, count: int) -> pd.Series:
    values = values.astype(object)
    values.iloc[rng.choice(len(values), count, replace=False)] = None
    return values


def tiny_free_text_first(rows: int = 60) -> pd.DataFrame:
    """60 rows; the first column is free text; a yes/no target; a true/false flag with gaps."""
    rng = np.random.default_rng(1)
    age = rng.integers(18, 80, rows)
    income = rng.gamma(3.0, 15_000, rows).round(0)
    region = rng.choice(["north", "south", "east"], rows)
    member = pd.Series(rng.choice(["true", "false"], rows))
    score = age / 20 + income / 40_000 + (region == "north") + rng.normal(0, 0.7, rows)
    words = np.array(["great", "slow", "delivery", "price", "would", "buy", "again", "never"])
    return pd.DataFrame(
        {
            "Comment": [" ".join(rng.choice(words, 4)) + f" (visit {i})" for i in range(rows)],
            "Age (years)": age,
            "Income ($/yr)": _gaps(rng, pd.Series(income), 5),
            "Member?": _gaps(rng, member, 4),
            "Region": region,
            "Will buy": np.where(score > np.median(score), "yes", "no"),
        }
    )


def integer_classes_with_gaps(rows: int = 178) -> pd.DataFrame:
    """Wine-like: quality classes 1-4 with missing labels; an "Individual ID" that repeats."""
    rng = np.random.default_rng(2)
    alcohol = rng.normal(11, 1.2, rows).round(1)
    acidity = rng.normal(3.3, 0.4, rows).round(2)
    signal = (alcohol - 11) / 1.2 - (acidity - 3.3) / 0.4 + rng.normal(0, 0.5, rows)
    quality = pd.Series(np.digitize(signal, np.quantile(signal, [0.25, 0.5, 0.75])) + 1)
    return pd.DataFrame(
        {
            "Individual ID": rng.integers(1, 40, rows),
            "alcohol": alcohol,
            "acidity (g/L)": acidity,
            "quality": _gaps(rng, quality, 6),
        }
    )


def european_energy(rows: int = 83) -> pd.DataFrame:
    """Regression on decimal-comma numbers, an accented category and a day-first date."""
    rng = np.random.default_rng(3)
    temperature = rng.normal(12, 7, rows).round(1)
    humidity = rng.uniform(30, 95, rows).round(1)
    town = rng.choice(["Liège", "Genève", "Münster", "Tromsø"], rows)
    days = pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%d.%m.%Y")
    use = 900 - 25 * temperature + 2 * humidity + (town == "Tromsø") * 120 + rng.normal(0, 30, rows)
    return pd.DataFrame(
        {
            "Datum": days,
            "Température (°C)": temperature,
            "Humidité (%)": humidity,
            "Ville": town,
            "Consommation (kWh)": use.round(2),
        }
    )


def sorted_with_saved_index(rows: int = 120) -> pd.DataFrame:
    """House prices sorted by price, saved by pandas with its index (which then counts up)."""
    rng = np.random.default_rng(4)
    size = rng.uniform(30, 200, rows).round(1)
    rooms = rng.integers(1, 7, rows)
    district = rng.choice(["centre", "harbour", "hills", "airport"], rows)
    price = 2_000 * size + 8_000 * rooms + (district == "centre") * 60_000
    price = price + rng.normal(0, 40_000, rows)
    frame = pd.DataFrame(
        {"size (m²)": size, "rooms": rooms, "district": district, "price": price.round(0)}
    )
    return frame.sort_values("price").reset_index(drop=True)


def passengers(rows: int = 150) -> pd.DataFrame:
    """Titanic-like: PassengerId 1..n, 0/1 target, names, ages with gaps, tab-separated."""
    rng = np.random.default_rng(5)
    pclass = rng.integers(1, 4, rows)
    sex = rng.choice(["male", "female"], rows)
    age = pd.Series(rng.uniform(1, 70, rows).round(0))
    fare = (rng.gamma(2, 20, rows) * (4 - pclass)).round(2)
    chance = 0.8 * (sex == "female") + 0.3 * (pclass == 1) - 0.2 * (pclass == 3)
    survived = (chance + rng.normal(0, 0.35, rows) > 0.35).astype(int)
    first = np.array(["Anna", "John", "Mary", "Karl", "Ines", "Omar", "Lena", "Paul"])
    last = np.array(["Berg", "Smith", "Novak", "Rossi", "Kaya", "Olsen", "Dubois"])
    return pd.DataFrame(
        {
            "PassengerId": np.arange(1, rows + 1),
            "Name": [f"{rng.choice(last)}, Mr./Mrs. {rng.choice(first)} {i}" for i in range(rows)],
            "Pclass": pclass,
            "Sex": sex,
            "Age": _gaps(rng, age, 20),
            "Fare": fare,
            "Survived": survived,
        }
    )


def long_labels_and_codes(rows: int = 95) -> pd.DataFrame:
    """Fewer than 100 rows; long string classes with gaps; unique product codes; a shuffled
    row number; a store column with more categories than get an allowed-values check."""
    rng = np.random.default_rng(6)
    classes = np.array(
        [
            "Returned within 30 days – refund issued",
            "Kept, customer satisfied with the purchase",
            "Exchanged for another size or colour",
        ]
    )
    price = rng.uniform(5, 300, rows).round(2)
    rating = rng.integers(1, 6, rows)
    label = classes[np.digitize(rating + rng.normal(0, 0.6, rows), [2.5, 3.8])]
    return pd.DataFrame(
        {
            "Record": rng.permutation(np.arange(1000, 1000 + rows)),
            "Product code": [f"SKU-{code:06d}" for code in rng.permutation(900_000)[:rows]],
            "Store": [f"Store #{n}" for n in rng.integers(1, 70, rows)],
            "Price (EUR)": price,
            "Rating (1-5)": rating,
            "Outcome": _gaps(rng, pd.Series(label), 4),
        }
    )


SHAPES = (
    Shape(
        "tiny-free-text-first",
        "classification",
        "Will buy",
        tiny_free_text_first,
        _plain,
        answers={"include_serving": "yes"},
    ),
    Shape(
        "integer-classes-with-gaps",
        "classification",
        "quality",
        integer_classes_with_gaps,
        _plain,
        identifiers=("Individual ID",),
        answers={"model": "gradient_boosting"},
    ),
    Shape(
        "european-export",
        "regression",
        "Consommation (kWh)",
        european_energy,
        _european,
        answers={"model": "linear"},
    ),
    Shape(
        "saved-index",
        "regression",
        "price",
        sorted_with_saved_index,
        _with_index,
        identifiers=("Unnamed: 0",),
        answers={"include_serving": "yes"},
    ),
    Shape(
        "tab-bom-passengers",
        "classification",
        "Survived",
        passengers,
        _tab_bom,
        identifiers=("PassengerId",),
    ),
    Shape(
        "long-labels-and-codes",
        "classification",
        "Outcome",
        long_labels_and_codes,
        _pipe_quoted,
        identifiers=("Record", "Product code"),
        answers={"model": "linear"},
    ),
)
