"""Readers for rating and item files in the MovieLens layouts (no Django).

Ratings (``read_ratings``), chosen by file name:

* ``u.data`` (MovieLens 100k): tab separated, no header: ``user item rating timestamp``;
* ``*.dat`` (MovieLens 1M/10M): ``user::item::rating::timestamp``, no header;
* anything else: CSV with a header. Columns are found by name: user ``userId``/``user_id``/``user``,
  item ``movieId``/``item_id``/``itemId``/``item``/``title_id``, rating ``rating``/``weight``/``value``,
  optional ``timestamp``/``ts``.

Items (``read_items``): ``movies.csv`` (``movieId,title,genres`` with ``|`` genres and
``(no genres listed)``), ``u.item`` (pipe separated, latin-1, 19 genre flag columns) and
``movies.dat`` (``id::title::genres``, latin-1). ``sibling_items_path`` finds the item file that
ships next to a ratings file.

Every problem is a :class:`DataFormatError` naming the file, the 1-based line and the field.
Ids are kept as text (digit-only ids are canonicalised, ``"007"`` -> ``"7"``) so they round-trip
unchanged to the output files.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]
NO_GENRES = "(no genres listed)"

USER_COLUMNS = ("userId", "user_id", "userid", "user")
ITEM_COLUMNS = ("movieId", "item_id", "itemId", "movieid", "item", "title_id")
RATING_COLUMNS = ("rating", "weight", "value")
TIME_COLUMNS = ("timestamp", "ts")


class DataFormatError(ValueError):
    """A rating or item file that cannot be read; names the file, line (1-based) and field."""

    def __init__(self, path, line, field_name, message):
        self.path, self.line, self.field, self.message = str(path), line, field_name, message
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}, field '{field_name}': {message}")


@dataclass
class RatingsTable:
    """Parallel arrays, one entry per rating, in file order."""

    users: np.ndarray  # object array of str ids
    items: np.ndarray  # object array of str ids
    ratings: np.ndarray  # float64
    timestamps: np.ndarray | None = None  # int64 or None
    source: str = ""

    def __len__(self):
        return len(self.ratings)

    def subset(self, mask) -> RatingsTable:
        ts = None if self.timestamps is None else self.timestamps[mask]
        return RatingsTable(self.users[mask], self.items[mask], self.ratings[mask], ts, self.source)

    @classmethod
    def from_arrays(cls, users, items, ratings, timestamps=None, source="") -> RatingsTable:
        u = np.array([canonical_id(x) for x in users], dtype=object)
        i = np.array([canonical_id(x) for x in items], dtype=object)
        r = np.asarray(ratings, dtype=np.float64)
        if not (len(u) == len(i) == len(r)):
            raise ValueError("users, items and ratings must have the same length")
        ts = None if timestamps is None else np.asarray(timestamps, dtype=np.int64)
        return cls(u, i, r, ts, source)


@dataclass
class ItemInfo:
    title: str = ""
    genres: list[str] = field(default_factory=list)
    year: int | None = None


_DIGITS = re.compile(r"^[0-9]+$")
_YEAR_IN_TITLE = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")


def canonical_id(value) -> str:
    """Text id; digit-only ids lose leading zeros so ``1``, ``"01"`` and ``1.0`` match."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    s = str(value).strip()
    if _DIGITS.match(s):
        return str(int(s))
    return s


def _canonical_ids(col: pd.Series) -> np.ndarray:
    s = col.str.strip()
    digits = s.str.fullmatch(r"[0-9]+").fillna(False).to_numpy(dtype=bool)
    out = s.to_numpy(dtype=object).copy()
    if digits.any():
        out[digits] = [str(int(x)) for x in out[digits]]
    return out


def _read_frame(path, *, sep, header, names=None, encoding="utf-8") -> tuple[pd.DataFrame, int]:
    """Read every field as text; returns the frame and the file line of its first data row."""
    if not os.path.exists(path):
        raise DataFormatError(path, None, "file", "no such file")
    try:
        with open(path, encoding=encoding, newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as e:
        line = text_line_of_offset(path, e.start)
        raise DataFormatError(path, line, "encoding", f"not valid {encoding} text")
    if sep == "::":
        if "\t" in text:
            raise DataFormatError(path, None, "separator", "tab characters in a '::' separated file")
        text, sep = text.replace("::", "\t"), "\t"
    if not text.strip():
        raise DataFormatError(path, 1, "file", "the file is empty")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, header=0 if header else None, names=names, dtype=str,
                         keep_default_na=False, skip_blank_lines=False, quoting=3 if sep != "," else 0,
                         index_col=False)
    except pd.errors.ParserError as e:
        m = re.search(r"line (\d+)", str(e))
        raise DataFormatError(path, int(m.group(1)) if m else None, "row", f"wrong number of fields ({e})")
    df = df.fillna("")
    return df, (2 if header else 1)


def text_line_of_offset(path, offset):
    with open(path, "rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _pick(columns, candidates):
    lowered = {c.strip().lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


def _numeric(df, col, path, first_line, *, what, positive=False, integer=False):
    raw = df[col].str.strip()
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(vals)
    if positive:
        bad |= ~(vals > 0)
    if integer:
        bad |= np.isfinite(vals) & (vals != np.round(vals))
    if bad.any():
        row = int(np.argmax(bad))
        shown = raw.iloc[row]
        need = "a positive number" if positive else ("an integer" if integer else "a number")
        raise DataFormatError(path, first_line + row, col, f"{shown!r} is not {need} ({what})")
    return vals


def read_ratings(path) -> RatingsTable:
    """Read a ratings file (format chosen from its name, see the module docstring)."""
    path = str(path)
    base = os.path.basename(path).lower()
    if base == "u.data" or base.endswith(".data"):
        df, first = _read_frame(path, sep="\t", header=False, names=["user", "item", "rating", "timestamp"])
        ucol, icol, rcol, tcol = "user", "item", "rating", "timestamp"
    elif base.endswith(".dat"):
        df, first = _read_frame(path, sep="::", header=False, names=["user", "item", "rating", "timestamp"],
                                encoding="latin-1")
        ucol, icol, rcol, tcol = "user", "item", "rating", "timestamp"
    else:
        df, first = _read_frame(path, sep=",", header=True)
        cols = list(df.columns)
        ucol, icol, rcol = _pick(cols, USER_COLUMNS), _pick(cols, ITEM_COLUMNS), _pick(cols, RATING_COLUMNS)
        tcol = _pick(cols, TIME_COLUMNS)
        for found, name in ((ucol, "userId"), (icol, "movieId"), (rcol, "rating")):
            if found is None:
                raise DataFormatError(path, 1, name, f"missing column; the header has {', '.join(map(str, cols))}")
    # blank lines (every field empty) are skipped; line numbers stay those of the file
    blank = (df.apply(lambda c: c.str.strip() == "")).all(axis=1).to_numpy()
    if blank.any():
        keep = ~blank
        lines = np.flatnonzero(keep)
        df = df[keep]
    else:
        lines = np.arange(len(df))
    df = df.reset_index(drop=True)
    if len(df) == 0:
        raise DataFormatError(path, first, "file", "no ratings in the file")
    for col in (ucol, icol):
        empty = (df[col].str.strip() == "").to_numpy()
        if empty.any():
            row = int(np.argmax(empty))
            raise DataFormatError(path, first + int(lines[row]), col, "empty id")
    try:
        ratings = _numeric(df, rcol, path, first, what="rating", positive=True)
    except DataFormatError as e:  # translate the row number back to the file line
        raise _fix_line(e, lines, first)
    ts = None
    if tcol is not None and tcol in df:
        has = (df[tcol].str.strip() != "").to_numpy()
        if has.all():
            try:
                ts = _numeric(df, tcol, path, first, what="timestamp").astype(np.int64)
            except DataFormatError as e:
                raise _fix_line(e, lines, first)
    return RatingsTable(_canonical_ids(df[ucol]), _canonical_ids(df[icol]), ratings, ts, source=path)


def _fix_line(err: DataFormatError, lines, first):
    row = err.line - first
    return DataFormatError(err.path, first + int(lines[row]), err.field, err.message)


def sibling_items_path(ratings_path) -> str | None:
    """The item file that MovieLens ships next to a ratings file, if it is there."""
    d = os.path.dirname(str(ratings_path)) or "."
    base = os.path.basename(str(ratings_path)).lower()
    if base == "u.data" or base.endswith(".data"):
        cands = ["u.item"]
    elif base.endswith(".dat"):
        cands = ["movies.dat"]
    else:
        cands = ["movies.csv"]
    for c in cands:
        p = os.path.join(d, c)
        if os.path.exists(p):
            return p
    return None


def parse_year(title: str) -> int | None:
    m = _YEAR_IN_TITLE.search(title or "")
    if m:
        y = int(m.group(1))
        if 1850 <= y <= 2100:
            return y
    return None


def read_items(path) -> dict[str, ItemInfo]:
    """Read an item file into ``{item_id: ItemInfo(title, genres, year)}``."""
    path = str(path)
    base = os.path.basename(path).lower()
    out: dict[str, ItemInfo] = {}
    if base == "u.item" or base.endswith(".item"):
        df, first = _read_frame(path, sep="|", header=False, encoding="latin-1")
        if df.shape[1] < 5 + len(ML100K_GENRES):
            raise DataFormatError(path, first, "genres",
                                  f"expected {5 + len(ML100K_GENRES)} '|' separated fields, found {df.shape[1]}")
        flags = df.iloc[:, 5:5 + len(ML100K_GENRES)]
        for row, (iid, title, date) in enumerate(zip(df[0], df[1], df[2], strict=True)):
            if not str(iid).strip():
                continue
            fl = flags.iloc[row].str.strip().to_numpy()
            bad = [j for j, f in enumerate(fl) if f not in ("0", "1")]
            if bad:
                raise DataFormatError(path, first + row, ML100K_GENRES[bad[0]], f"genre flag {fl[bad[0]]!r} is not 0/1")
            genres = [ML100K_GENRES[j] for j, f in enumerate(fl) if f == "1" and j > 0]
            year = parse_year(title)
            if year is None:
                m = re.search(r"(\d{4})\s*$", str(date).strip())
                year = int(m.group(1)) if m else None
            out[canonical_id(iid)] = ItemInfo(str(title).strip(), genres, year)
        return out
    if base.endswith(".dat"):
        df, first = _read_frame(path, sep="::", header=False, names=["item", "title", "genres"], encoding="latin-1")
        icol, tcol, gcol = "item", "title", "genres"
    else:
        df, first = _read_frame(path, sep=",", header=True)
        cols = list(df.columns)
        icol, tcol, gcol = _pick(cols, ITEM_COLUMNS), _pick(cols, ("title", "name")), _pick(cols, ("genres",))
        if icol is None:
            raise DataFormatError(path, 1, "movieId", f"missing column; the header has {', '.join(map(str, cols))}")
    for row in range(len(df)):
        iid = str(df[icol].iloc[row]).strip()
        if not iid:
            continue
        title = str(df[tcol].iloc[row]).strip() if tcol else ""
        graw = str(df[gcol].iloc[row]).strip() if gcol else ""
        genres = [] if graw in ("", NO_GENRES) else [g.strip() for g in graw.split("|") if g.strip() and g.strip() != NO_GENRES]
        out[canonical_id(iid)] = ItemInfo(title, genres, parse_year(title))
    return out


def slug(text: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "-", str(text).lower()).strip("-")
    return s or "unknown"


def item_feature_strings(items: dict[str, ItemInfo], *, decade=True) -> dict[str, list[str]]:
    """``{item_id: ["genre:drama", "decade:1990s", ...]}``: the hybrid model's item vocabulary."""
    out = {}
    for iid, info in items.items():
        f = [f"genre:{slug(g)}" for g in info.genres]
        if decade and info.year:
            f.append(f"decade:{info.year // 10 * 10}s")
        out[iid] = f
    return out
