"""Helpers of the dataset importers' tests: write small files in the datasets' exact original formats."""
import gzip
from pathlib import Path

import pytest


def write(path: Path, text: str, *, gz: bool = False, encoding: str = "utf-8") -> Path:
    """Write `text` as is (no newline translation), gzip-compressed when `gz`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding)
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def tsv(*rows) -> str:
    """IMDb TSV: tab-separated, '\\n' line ends, no quoting at all."""
    return "".join("\t".join(r) + "\n" for r in rows)


def errors_by_line(run):
    return {e["line"]: e["reason"] for e in run.errors}


@pytest.fixture
def no_progress():
    return None


from tests.recommendations.conftest import planted  # noqa: E402,F401 - the real-time demo runs on the planted catalog
