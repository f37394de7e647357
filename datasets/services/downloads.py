"""Fetch the public datasets when online (streamed to a temp file, then renamed into place).

Where the files come from (base URLs in settings `NETFLOOX_DATASETS_BASE_URLS`, overridable):

* imdb — https://datasets.imdbws.com/ : title.basics / title.ratings / title.principals /
  title.crew / name.basics ``.tsv.gz`` (IMDb non-commercial licence).
* movielens — https://files.grouplens.org/datasets/movielens/ : ``ml-latest-small.zip``,
  unzipped after download (GroupLens research licence).
* tmdb, netflix — no official download URL exists (Kaggle needs an account): give ``--base-url``
  pointing at a mirror that serves tmdb_5000_movies.csv / tmdb_5000_credits.csv, or
  movie_titles.csv / combined_data_1..4.txt.
"""
from __future__ import annotations

import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings

from core.errors import SourceError, ValidationFailed

DATASETS = {
    "imdb": {"required": ["title.basics.tsv.gz", "title.ratings.tsv.gz", "name.basics.tsv.gz",
                          "title.principals.tsv.gz", "title.crew.tsv.gz"], "optional": []},
    "movielens": {"required": ["ml-latest-small.zip"], "optional": [], "unzip": True},
    "tmdb": {"required": ["tmdb_5000_movies.csv"], "optional": ["tmdb_5000_credits.csv"]},
    "netflix": {"required": ["movie_titles.csv"],
                "optional": [f"combined_data_{i}.txt" for i in range(1, 5)]},
}
NO_OFFICIAL_URL = {
    "tmdb": "TMDB 5000 has no official download URL (it is published on Kaggle, behind a login)",
    "netflix": "the Netflix Prize data has no official download URL any more (Kaggle, behind a login)",
}
TIMEOUT = 30
CHUNK = 1 << 20


def base_url_for(dataset: str, base_url: str | None) -> str:
    if base_url:
        return base_url if base_url.endswith("/") else base_url + "/"
    url = (getattr(settings, "NETFLOOX_DATASETS_BASE_URLS", {}) or {}).get(dataset) or ""
    if not url:
        reason = NO_OFFICIAL_URL.get(dataset, f"no base URL is configured for {dataset}")
        raise ValidationFailed(f"{reason}: give --base-url pointing at a mirror that serves "
                               f"{', '.join(DATASETS[dataset]['required'])}.", field="base_url")
    return url if url.endswith("/") else url + "/"


def dataset_download(*, dataset: str, dest=None, base_url: str | None = None, force: bool = False,
                     only: list[str] | None = None, progress=None) -> list[Path]:
    """Download one dataset's files into `dest` (default NETFLOOX_DATA_DIR/<dataset>). Returns their paths.

    Existing files are kept unless `force`. `only` restricts to some of the dataset's file names.
    Raises SourceError naming the URL when a file cannot be fetched (offline, HTTP error).
    """
    if dataset not in DATASETS:
        raise ValidationFailed(f"Unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}.",
                               field="dataset")
    spec = DATASETS[dataset]
    base = base_url_for(dataset, base_url)
    dest = Path(dest) if dest else Path(settings.NETFLOOX_DATA_DIR) / dataset
    dest.mkdir(parents=True, exist_ok=True)
    names = [(n, True) for n in spec["required"]] + [(n, False) for n in spec["optional"]]
    if only:
        unknown = sorted(set(only) - {n for n, _ in names})
        if unknown:
            raise ValidationFailed(f"{dataset} has no file {', '.join(unknown)}.", field="only")
        names = [(n, True) for n, _ in names if n in only]
    out = []
    for name, required in names:
        target = dest / name
        if target.exists() and not force:
            if progress:
                progress(f"{name} (already there)", target.stat().st_size)
            out.append(target)
        else:
            try:
                _fetch(urljoin(base, name), target, progress=progress, label=name)
            except _NotFound:
                if required:
                    raise SourceError(f"not found on the server (HTTP 404) — is {base} the right base URL?",
                                      path=urljoin(base, name))
                continue
            out.append(target)
        if spec.get("unzip") and name.endswith(".zip"):
            out.append(_unzip(target, dest))
    return out


class _NotFound(Exception):
    pass


def _fetch(url, target: Path, *, progress=None, label=""):
    req = urllib.request.Request(url, headers={"User-Agent": "netfloox-dataset-download/1.0"})
    try:
        resp = urllib.request.urlopen(req, timeout=TIMEOUT)  # noqa: S310 - http(s) URLs from settings/CLI
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise _NotFound(url)
        raise SourceError(f"the server answered HTTP {exc.code} {exc.reason}", path=url)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot download ({reason}) — are you offline? Download the file by hand into "
                          f"{target.parent} and run the import command on it", path=url)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    done = 0
    try:
        with resp, os.fdopen(fd, "wb") as fh:
            while True:
                try:
                    block = resp.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise SourceError(f"the download broke off after {done:,} bytes ({exc!r})", path=url)
                if not block:
                    break
                fh.write(block)
                done += len(block)
                if progress:
                    progress(label, done)
        expected = resp.headers.get("Content-Length")
        if expected and expected.isdigit() and int(expected) != done:
            raise SourceError(f"incomplete download: {done:,} of {int(expected):,} bytes", path=url)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _unzip(archive: Path, dest: Path) -> Path:
    """Extract a zip next to itself (refusing paths that escape `dest`); returns the top directory."""
    try:
        with zipfile.ZipFile(archive) as zf:
            root = dest.resolve()
            tops = set()
            for member in zf.infolist():
                target = (dest / member.filename).resolve()
                if root not in target.parents and target != root:
                    raise SourceError(f"unsafe path in archive: {member.filename!r}", path=archive)
                tops.add(Path(member.filename).parts[0])
            tmp = Path(tempfile.mkdtemp(prefix=".unzip-", dir=dest))
            try:
                zf.extractall(tmp)
                for top in tops:
                    final = dest / top
                    if final.exists():
                        shutil.rmtree(final) if final.is_dir() else final.unlink()
                    os.replace(tmp / top, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"not a valid zip archive ({exc})", path=archive)
    return dest / sorted(tops)[0] if len(tops) == 1 else dest
