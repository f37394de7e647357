"""Parses one text field of a source row into a value (integer, number, year, IMDb id, clipped text).

A malformed field raises `RowError`, whose reason (and field name) is what the import report
shows for the rejected row.
"""
from __future__ import annotations


class RowError(ValueError):
    """A malformed field: the message is the reason shown in the import report."""

    def __init__(self, reason, field=None):
        super().__init__(reason)
        self.reason, self.field = reason, field


def parse_int(raw, field, *, null=("", "\\N"), lo=None, hi=None):
    raw = raw.strip()
    if raw in null:
        return None
    try:
        v = int(raw)
    except ValueError:
        raise RowError(f"{field} is not an integer: {raw[:40]!r}", field)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise RowError(f"{field} {v} is out of range", field)
    return v


def parse_float(raw, field, *, null=("", "\\N"), lo=None, hi=None):
    raw = raw.strip()
    if raw in null:
        return None
    try:
        v = float(raw)
    except ValueError:
        raise RowError(f"{field} is not a number: {raw[:40]!r}", field)
    if v != v or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise RowError(f"{field} {raw[:40]} is out of range", field)
    return v


YEAR_MIN, YEAR_MAX = 1800, 2100


def parse_year(raw, field):
    return parse_int(raw, field, null=("", "\\N", "NULL"), lo=YEAR_MIN, hi=YEAR_MAX)


def imdb_int(raw, prefix, field):
    """`tt0000001` → 1; `nm0000123` → 123 (compact keys for sets of millions)."""
    if len(raw) > 2 and raw.startswith(prefix) and raw[2:].isdigit():
        return int(raw[2:])
    raise RowError(f"{field} is not a valid IMDb id: {raw[:40]!r}", field)


def clip(text, n):
    return (text or "")[:n]
