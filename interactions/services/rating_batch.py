"""A chunk of ratings to import, as parallel numpy arrays (the importers' parsers produce them;
`interactions.services.ratings_import.ratings_import_bulk` stores them)."""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class RatingBatch:
    ext: np.ndarray  # int64 external user id (Netflix customer id, MovieLens user id)
    title: np.ndarray  # int64 catalog title id
    halves: np.ndarray  # int16 rating x 2 (1..10)
    day: np.ndarray  # int64 days since 1970-01-01 (UTC); `seconds` adds the time of day
    seconds: np.ndarray | None = None  # int64 seconds within the day (MovieLens timestamps), or None

    def __len__(self):
        return len(self.ext)

    @classmethod
    def empty(cls):
        z = np.empty(0, dtype=np.int64)
        return cls(z, z.copy(), np.empty(0, dtype=np.int16), z.copy())

    def take(self, mask):
        return RatingBatch(self.ext[mask], self.title[mask], self.halves[mask], self.day[mask],
                           None if self.seconds is None else self.seconds[mask])

    @classmethod
    def concat(cls, parts):
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        secs = None
        if any(p.seconds is not None for p in parts):
            secs = np.concatenate([p.seconds if p.seconds is not None else np.zeros(len(p), np.int64)
                                   for p in parts])
        return cls(np.concatenate([p.ext for p in parts]), np.concatenate([p.title for p in parts]),
                   np.concatenate([p.halves for p in parts]), np.concatenate([p.day for p in parts]), secs)


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of proleptic Gregorian dates (vectorised; H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
