"""`manage.py popularity_offline` end to end on small generated CSVs (no database access:
pytest-django blocks queries in tests without the `django_db` mark)."""
import csv

import pytest
from django.core.management import CommandError, call_command

from popularity.ml.csv_io import write_records
from popularity.ml.synthetic import make_synthetic


@pytest.fixture
def files(tmp_path):
    train = tmp_path / "train.csv"
    predict = tmp_path / "predict.csv"
    write_records(train, make_synthetic(240, seed=11))
    test = make_synthetic(25, seed=12, with_rating=False)
    test[4] = {"title": "Unknown everything", "genres": ["Noir"], "directors": ["Nobody"], "country": "Mars"}
    write_records(predict, test, fields=[f for f in test[0] if f != "rating"])
    return train, predict, tmp_path / "out.csv", test


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_writes_one_row_per_predict_row_in_order(files):
    train, predict, out, test = files
    call_command("popularity_offline", train=str(train), predict=str(predict), out=str(out), n_seeds=1, verbosity=0)
    rows = read(out)
    assert list(rows[0]) == ["title", "prediction", "low", "high"]
    assert [r["title"] for r in rows] == [r.get("title") or "" for r in test]
    for r in rows:
        low, pred, high = float(r["low"]), float(r["prediction"]), float(r["high"])
        assert 0 <= low <= pred <= high <= 10


def test_predict_file_rating_column_is_ignored(files, tmp_path):
    train, _, out, _ = files
    predict = tmp_path / "with_rating.csv"
    write_records(predict, make_synthetic(5, seed=13))
    call_command("popularity_offline", train=str(train), predict=str(predict), out=str(out), n_seeds=1, verbosity=0)
    assert len(read(out)) == 5


def test_bad_input_names_file_line_and_field(files, tmp_path):
    train, predict, out, _ = files
    bad = tmp_path / "bad_train.csv"
    lines = train.read_text(encoding="utf-8").splitlines()
    cells = next(csv.reader([lines[5]]))
    cells[4] = "a lot"  # budget column
    buf = tmp_path / "row.csv"
    with open(buf, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(cells)
    lines[5] = buf.read_text(encoding="utf-8").rstrip("\r\n")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("popularity_offline", train=str(bad), predict=str(predict), out=str(out), verbosity=0)
    msg = str(exc.value)
    assert str(bad) in msg and "line 6" in msg and "budget" in msg
    assert not out.exists()


def test_missing_training_rating_and_missing_file(files, tmp_path):
    train, predict, out, _ = files
    with pytest.raises(CommandError, match="rating"):
        call_command("popularity_offline", train=str(predict), predict=str(predict), out=str(out), verbosity=0)
    with pytest.raises(CommandError, match="nope.csv"):
        call_command("popularity_offline", train=str(tmp_path / "nope.csv"), predict=str(predict), out=str(out),
                     verbosity=0)
