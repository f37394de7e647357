"""Reads the source files: lines of plain or gzip files, CSV records, IMDb-style TSV rows, chunks.

* `LineReader` streams a plain or gzip-compressed file line by line (gzip is detected from the
  magic bytes, not the name; decompressed by a `gzip -dc` child process when there is one),
  numbering lines; an undecodable line is reported, not fatal.
* `csv_records` and `tsv_rows` turn those lines into records with their line numbers; a
  malformed record is yielded with its error, or rejected on the run's recorder.
* `chunked` groups any stream of rows into lists for the chunked writers.
"""
from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import SourceError

if TYPE_CHECKING:
    from .recorder import ImportRecorder


def check_readable(path) -> Path:
    """The path if it is a readable file, else a SourceError naming it."""
    p = Path(path)
    if not p.exists():
        raise SourceError("file not found", path=p)
    if not p.is_file():
        raise SourceError("not a regular file", path=p)
    if not os.access(p, os.R_OK):
        raise SourceError("file is not readable (permission denied)", path=p)
    try:
        with open(p, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}", path=p)
    return p


def is_gzip(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


class _GunzipPipe:
    """Lines of a gzip file decompressed by a `gzip -dc` child process (C speed, on another core).

    Iterating yields bytes lines; a corrupt or truncated archive raises OSError at the end, like
    Python's gzip module does (the importers turn it into a SourceError naming the file).
    """

    def __init__(self, path):
        self.path = path
        self.proc = subprocess.Popen(["gzip", "-dc", "--", str(path)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=1 << 20)

    def __iter__(self):
        yield from self.proc.stdout
        err = self.proc.stderr.read().decode(errors="replace").strip()
        if self.proc.wait() != 0:
            raise OSError(f"gzip: {err or 'corrupt archive'}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def open_binary(path):
    """A binary line iterator (context manager) over a plain or gzip file."""
    p = check_readable(path)
    if not is_gzip(p):
        return open(p, "rb", buffering=1 << 20)
    if shutil.which("gzip"):
        return _GunzipPipe(p)
    return gzip.open(p, "rb")


class LineReader:
    """Decoded lines of a plain or gzip file, with their numbers (`lineno`, 1-based).

    An undecodable line is yielded decoded with replacement characters and its number is added
    to `bad_lines`, so the importer can reject it and go on. A file that becomes unreadable
    (truncated gzip, I/O error) raises SourceError naming the file and line.
    """

    def __init__(self, path, *, encoding="utf-8"):
        self.path = Path(path)
        self.encoding = encoding
        self.lineno = 0
        self.bad_lines: set[int] = set()

    def __iter__(self):
        fh = open_binary(self.path)
        enc = self.encoding
        with fh:
            try:
                for raw in fh:
                    self.lineno += 1
                    try:
                        yield raw.decode(enc)
                    except UnicodeDecodeError:
                        self.bad_lines.add(self.lineno)
                        yield raw.decode(enc, "replace")
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(f"the file is unreadable after line {self.lineno}: {exc}",
                                  path=self.path, line=self.lineno + 1)


def csv_records(reader: LineReader, **csv_kwargs):
    """(first_line, last_line, fields or None, error) for each CSV record (quoted newlines allowed).

    A record the csv module cannot parse is yielded with fields=None and the error.
    """
    rows = csv.reader(reader, **csv_kwargs)
    start = 1
    while True:
        try:
            fields = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, reader.lineno, None, f"malformed CSV: {exc}"
            start = reader.lineno + 1
            continue
        end = reader.lineno
        yield start, end, fields, None
        start = end + 1


def tsv_rows(reader: LineReader, *, columns: tuple[str, ...], rec: ImportRecorder, header_required=True):
    """(line, dict of column → raw value) for each data row of an IMDb-style TSV (no quoting).

    Checks the header names the expected columns (in any order); rows with a wrong number of
    columns, or undecodable bytes, are rejected with their line. `\\N` stays as is (callers map it).
    """
    it = iter(reader)
    header = next(it, None)
    if header is None:
        return
    names = header.rstrip("\r\n").split("\t")
    missing = [c for c in columns if c not in names]
    if missing:
        raise SourceError(f"header is missing column(s) {', '.join(missing)}; found {', '.join(names)}",
                          path=reader.path, line=1)
    idx = [names.index(c) for c in columns]
    width = len(names)
    for line in it:
        n = reader.lineno
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != width:
            if len(fields) == 1 and not fields[0].strip():
                continue  # a blank line (e.g. at the end of the file) is not a row
            rec.count(read=1)
            rec.reject(path=reader.path, line=n, reason=f"expected {width} tab-separated columns, found {len(fields)}")
            continue
        if n in reader.bad_lines:
            rec.count(read=1)
            rec.reject(path=reader.path, line=n, reason=f"not valid {reader.encoding} text")
            continue
        yield n, [fields[i] for i in idx]


def chunked(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
