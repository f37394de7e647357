"""The neutral film record layout used by the whole ``popularity.ml`` package.

A record is a plain ``dict`` with these keys (any of them may be missing or empty)::

    title      str            working title (only simple text flags are derived from it)
    type       str            "movie", "tvSeries", "short", ...
    year       float          release year
    runtime    float          minutes
    budget     float          in the production's own currency (noisy: no FX conversion)
    genres     list[str]
    directors  list[str]
    writers    list[str]
    producers  list[str]
    actors     list[str]      in billing order (first = lead)
    country    str
    language   str
    rating     float          the target (average user rating, 0-10); absent when predicting

In CSV files list items are separated by ``|``.  Only *pre-release* characteristics are inputs:
vote counts, box-office gross, reviews, social-media likes are never part of the layout.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

TARGET = "rating"
LIST_FIELDS = ("genres", "directors", "writers", "producers", "actors")
PEOPLE_FIELDS = ("directors", "writers", "producers", "actors")
NUMERIC_FIELDS = ("year", "runtime", "budget")
TEXT_FIELDS = ("title", "type", "country", "language")
INPUT_FIELDS = ("title", "type", "year", "runtime", "budget", "genres", "directors", "writers",
                "producers", "actors", "country", "language")
FIELDS = INPUT_FIELDS + (TARGET,)
LIST_SEPARATOR = "|"

# Plausibility bounds; values outside are rejected as input errors rather than silently used.
_BOUNDS = {
    "year": (1870.0, 2100.0),
    "runtime": (0.0, 10000.0),
    "budget": (0.0, 1e13),
    "rating": (0.0, 10.0),
}

FIELD_LABELS = {
    "title": "Title", "type": "Type", "year": "Year", "runtime": "Runtime", "budget": "Budget",
    "genres": "Genres", "directors": "Directors", "writers": "Writers", "producers": "Producers",
    "actors": "Cast", "country": "Country", "language": "Language", "rating": "Rating",
}


class RecordError(ValueError):
    """An input value that cannot be used.  ``field`` names the offending field.

    ``file`` and ``line`` are filled in when the record comes from a CSV file (1-based physical
    line number of the row, header = line 1).
    """

    def __init__(self, message: str, *, field: str | None = None, value=None,
                 file: str | None = None, line: int | None = None):
        self.reason = message
        self.field = field
        self.value = value
        self.file = file
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return (", ".join(where) + ": " if where else "") + self.reason

    def located(self, *, file: str | None = None, line: int | None = None) -> RecordError:
        """Return a copy of this error with file/line information attached."""
        return type(self)(self.reason, field=self.field, value=self.value,
                          file=file if file is not None else self.file,
                          line=line if line is not None else self.line)


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def parse_number(value, field: str) -> float:
    """Parse a numeric field; missing -> NaN; garbage or out-of-range -> RecordError."""
    if _is_missing(value):
        return float("nan")
    if isinstance(value, bool):
        raise RecordError(f"expected a number, got {value!r}", field=field, value=value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            number = float(text)
        except ValueError:
            raise RecordError(f"expected a number, got {value!r}", field=field, value=value) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RecordError(f"expected a number, got {value!r}", field=field, value=value) from None
    if not math.isfinite(number):
        raise RecordError(f"expected a finite number, got {value!r}", field=field, value=value)
    lo, hi = _BOUNDS.get(field, (-math.inf, math.inf))
    if not lo <= number <= hi:
        raise RecordError(f"{number:g} is outside the plausible range [{lo:g}, {hi:g}]", field=field, value=value)
    return number


def parse_list(value, field: str) -> list[str]:
    """A list field: a list/tuple of names or a ``|``-separated string.  Blank items are dropped,
    whitespace is stripped and duplicates removed (order kept)."""
    if _is_missing(value):
        return []
    if isinstance(value, str):
        items = value.split(LIST_SEPARATOR)
    elif isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = list(value)
    else:
        raise RecordError(f"expected a list of names or a '|'-separated string, got {type(value).__name__}",
                          field=field, value=value)
    out, seen = [], set()
    for item in items:
        if _is_missing(item):
            continue
        if not isinstance(item, str):
            if isinstance(item, (int, float, np.integer, np.floating)):
                item = str(item)
            else:
                raise RecordError(f"list items must be text, got {type(item).__name__}", field=field, value=value)
        item = " ".join(item.split())
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def parse_text(value, field: str) -> str | None:
    if _is_missing(value):
        return None
    if not isinstance(value, str):
        if isinstance(value, (int, float, np.integer, np.floating)):
            value = str(value)
        else:
            raise RecordError(f"expected text, got {type(value).__name__}", field=field, value=value)
    value = " ".join(value.split())
    return value or None


def normalize_record(record: Mapping, *, with_target: bool = False) -> dict:
    """Validate and canonicalise one record.  Unknown keys are ignored.

    Returns a dict with every INPUT_FIELDS key (plus ``rating`` when ``with_target``): lists are
    lists of str, numbers are floats (NaN = missing), text is str or None.
    """
    if not isinstance(record, Mapping):
        raise RecordError(f"a record must be a mapping, got {type(record).__name__}")
    out: dict = {}
    for field in INPUT_FIELDS:
        value = record.get(field)
        if field in LIST_FIELDS:
            out[field] = parse_list(value, field)
        elif field in NUMERIC_FIELDS:
            out[field] = parse_number(value, field)
        else:
            out[field] = parse_text(value, field)
    if with_target:
        out[TARGET] = parse_number(record.get(TARGET), TARGET)
    return out


def records_to_frame(records, *, with_target: bool = False) -> pd.DataFrame:
    """Canonical DataFrame (one row per record, columns = INPUT_FIELDS [+ rating]).

    Accepts an iterable of mappings, a single mapping or a DataFrame (list fields as lists or
    ``|`` strings).  A bad value raises RecordError naming the field and the 0-based record index.
    """
    if isinstance(records, pd.DataFrame):
        rows: Iterable = records.to_dict("records")
    elif isinstance(records, Mapping):
        rows = [records]
    else:
        rows = records
    normalized = []
    for i, rec in enumerate(rows):
        try:
            normalized.append(normalize_record(rec, with_target=with_target))
        except RecordError as exc:
            if exc.line is None and exc.file is None:
                raise RecordError(f"record #{i}: {exc.reason}", field=exc.field, value=exc.value) from None
            raise
    columns = list(INPUT_FIELDS) + ([TARGET] if with_target else [])
    data = {}
    for field in columns:
        values = [rec[field] for rec in normalized]
        if field in NUMERIC_FIELDS or field == TARGET:
            data[field] = pd.Series(values, dtype=float)
        else:
            # explicit object dtype: keeps lists as lists and missing text as None (pandas 3
            # would otherwise infer a string dtype with NaN for missing values)
            col = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):  # element-wise: equal-length lists must not broadcast
                col[i] = v
            data[field] = pd.Series(col, dtype=object)
    return pd.DataFrame(data, columns=columns)


def is_canonical_frame(X) -> bool:
    return (isinstance(X, pd.DataFrame) and all(c in X.columns for c in INPUT_FIELDS)
            and X.attrs.get("popularity_canonical", False))


def canonical(X) -> pd.DataFrame:
    """records/DataFrame -> canonical frame (cheap no-op when already canonical)."""
    if is_canonical_frame(X):
        return X
    frame = records_to_frame(X)
    frame.attrs["popularity_canonical"] = True
    return frame


def format_value(field: str, value) -> str:
    """Human-readable rendering of one field value (for explanations / UIs)."""
    if field in LIST_FIELDS:
        if not value:
            return "none"
        shown = ", ".join(value[:4])
        return shown + (f" (+{len(value) - 4} more)" if len(value) > 4 else "")
    if field in NUMERIC_FIELDS:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "unknown"
        if field == "budget":
            return f"{value:,.0f}"
        if field == "runtime":
            return f"{value:g} min"
        return f"{value:g}"
    return "unknown" if value is None else str(value)
