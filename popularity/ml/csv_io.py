"""CSV reader/writer for the neutral record layout (see :mod:`popularity.ml.schema`).

* Header row required; column order is free; unknown columns are ignored; missing columns mean
  "empty" for every row.  List fields use ``|`` between items.
* ``rating`` may be absent or empty in files used for prediction; training files need it on
  every row (``require_rating=True``).
* Every problem raises :class:`CSVError` (a ``ValueError``) carrying ``file``, ``line`` (1-based
  physical line, header = 1) and ``field``.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence

import numpy as np

from .schema import FIELDS, LIST_FIELDS, LIST_SEPARATOR, TARGET, RecordError, normalize_record

__all__ = ["CSVError", "read_records", "write_records", "write_predictions"]


class CSVError(RecordError):
    """Bad CSV input.  Attributes: ``file``, ``line``, ``field``, ``reason``."""


def read_records(path: str | os.PathLike, *, require_rating: bool = False) -> list[dict]:
    """Read a neutral-layout CSV into a list of canonical records (see ``normalize_record``).

    ``rating`` is included (NaN when empty/absent).  With ``require_rating`` a missing or empty
    rating is an error.  Raises :class:`CSVError` on the first bad value.
    """
    path = os.fspath(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CSVError(f"cannot open file: {exc.strerror or exc}", file=path) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise CSVError("empty file (a header row is required)", file=path, line=1) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CSVError(f"unreadable CSV header: {exc}", file=path, line=1) from None
        header = [h.strip().lower() for h in header]
        known = [h for h in header if h in FIELDS]
        if not known:
            raise CSVError(f"no known column in header (expected some of: {', '.join(FIELDS)})",
                           file=path, line=1)
        dupes = {h for h in known if header.count(h) > 1}
        if dupes:
            raise CSVError(f"duplicate column {sorted(dupes)[0]!r} in header", file=path, line=1,
                           field=sorted(dupes)[0])
        if require_rating and TARGET not in header:
            raise CSVError("a 'rating' column is required for training data", file=path, line=1, field=TARGET)
        index = {h: i for i, h in enumerate(header) if h in FIELDS}
        records: list[dict] = []
        line_start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CSVError(f"malformed CSV: {exc}", file=path, line=line_start) from None
            line = line_start
            line_start = reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue  # blank line
            if len(row) > len(header):
                extra = [c for c in row[len(header):] if c.strip()]
                if extra:
                    raise CSVError(f"row has {len(row)} cells but the header has {len(header)}",
                                   file=path, line=line)
            raw = {field: (row[i] if i < len(row) else "") for field, i in index.items()}
            try:
                record = normalize_record(raw, with_target=True)
            except RecordError as exc:
                raise CSVError(exc.reason, field=exc.field, value=exc.value, file=path, line=line) from None
            if require_rating and np.isnan(record[TARGET]):
                raise CSVError("rating is required for training rows", field=TARGET, file=path, line=line)
            records.append(record)
    return records


def _cell(field: str, value) -> str:
    if value is None:
        return ""
    if field in LIST_FIELDS:
        if isinstance(value, str):
            return value
        items = [str(v) for v in value]
        bad = [v for v in items if LIST_SEPARATOR in v]
        if bad:
            raise RecordError(f"list item {bad[0]!r} contains the separator '|'", field=field, value=value)
        return LIST_SEPARATOR.join(items)
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return f"{value:.10g}"
    return str(value)


def write_records(path: str | os.PathLike, records: Iterable[dict], *,
                  fields: Sequence[str] = FIELDS) -> int:
    """Write records in the neutral layout; returns the number of rows written."""
    path = os.fspath(path)
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for rec in records:
            writer.writerow([_cell(f, rec.get(f)) for f in fields])
            n += 1
    return n


def write_predictions(path: str | os.PathLike, titles: Sequence, prediction, low, high,
                      *, digits: int = 4) -> int:
    """Write ``title,prediction,low,high`` rows (input order); returns the number of rows."""
    path = os.fspath(path)
    prediction, low, high = (np.asarray(a, dtype=float) for a in (prediction, low, high))
    if not (len(titles) == len(prediction) == len(low) == len(high)):
        raise ValueError("titles, prediction, low and high must have the same length")
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "prediction", "low", "high"])
        for t, p, lo, hi in zip(titles, prediction, low, high, strict=True):
            writer.writerow(["" if t is None else t, round(float(p), digits), round(float(lo), digits),
                             round(float(hi), digits)])
    os.replace(tmp, path)
    return len(prediction)

