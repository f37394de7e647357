import math

import pytest

from popularity.ml.csv_io import CSVError, read_records, write_records
from popularity.ml.schema import INPUT_FIELDS, RecordError, normalize_record, records_to_frame

HEADER = "title,type,year,runtime,budget,genres,directors,writers,producers,actors,country,language,rating\n"


def write(tmp_path, text, name="films.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_normalize_record_parses_lists_numbers_and_missing_values():
    rec = normalize_record({"title": "  Heat ", "genres": "Crime| Drama||Crime", "actors": ["Al Pacino", "", None],
                            "year": "1995", "runtime": 170, "budget": "", "country": float("nan")})
    assert rec["title"] == "Heat"
    assert rec["genres"] == ["Crime", "Drama"]
    assert rec["actors"] == ["Al Pacino"]
    assert rec["year"] == 1995.0 and rec["runtime"] == 170.0 and math.isnan(rec["budget"])
    assert rec["country"] is None and rec["directors"] == [] and set(rec) == set(INPUT_FIELDS)


@pytest.mark.parametrize("field,value", [("budget", "lots"), ("year", "1200"), ("runtime", -5),
                                         ("rating", "11"), ("genres", 12.5j)])
def test_normalize_record_rejects_bad_values_naming_the_field(field, value):
    with pytest.raises(RecordError) as exc:
        normalize_record({field: value}, with_target=True)
    assert exc.value.field == field
    assert isinstance(exc.value, ValueError)


def test_records_to_frame_keeps_missing_text_as_none_and_lists_as_lists():
    frame = records_to_frame([{"title": "A", "genres": ["X", "Y"]}, {"genres": ["X", "Z"]}])
    assert frame["title"].tolist() == ["A", None]
    assert frame["genres"].tolist() == [["X", "Y"], ["X", "Z"]]


def test_csv_round_trip(tmp_path):
    recs = [normalize_record({"title": "Alien", "year": 1979, "genres": ["Horror", "Sci-Fi"], "directors": "Ridley Scott",
                              "actors": ["Sigourney Weaver", "Tom Skerritt"], "budget": 11e6, "rating": 8.5},
                             with_target=True),
            normalize_record({"title": 'Quote, "comma"', "rating": 6}, with_target=True)]
    path = tmp_path / "out.csv"
    assert write_records(path, recs) == 2
    back = read_records(path, require_rating=True)
    assert back[0]["genres"] == ["Horror", "Sci-Fi"] and back[0]["directors"] == ["Ridley Scott"]
    assert back[0]["budget"] == 11e6 and back[1]["title"] == 'Quote, "comma"' and back[1]["rating"] == 6


def test_csv_partial_columns_and_no_rating_for_prediction(tmp_path):
    p = write(tmp_path, "genres,title\nDrama|War,1917\n\n,Untitled\n")
    recs = read_records(p)
    assert [r["title"] for r in recs] == ["1917", "Untitled"]
    assert recs[0]["genres"] == ["Drama", "War"] and math.isnan(recs[0]["rating"]) and recs[1]["genres"] == []


def test_csv_error_names_file_line_and_field(tmp_path):
    p = write(tmp_path, HEADER + "Ok,movie,2001,100,1000,Drama,,,,,,,7\n"
                                 "Bad,movie,2002,100,one million,Drama,,,,,,,7\n")
    with pytest.raises(CSVError) as exc:
        read_records(p, require_rating=True)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(p), 3, "budget")
    assert str(p) in str(err) and "line 3" in str(err) and "budget" in str(err)
    assert isinstance(err, ValueError)


def test_csv_line_numbers_count_physical_lines(tmp_path):
    p = write(tmp_path, HEADER + '"Multi\nline title",movie,2001,100,,,,,,,,,7\n'
                                 "Next,movie,year?,100,,,,,,,,,7\n")
    with pytest.raises(CSVError) as exc:
        read_records(p)
    assert exc.value.line == 4 and exc.value.field == "year"


def test_csv_training_rows_need_a_rating(tmp_path):
    p = write(tmp_path, HEADER + "A,movie,2001,100,,,,,,,,,7\nB,movie,2001,100,,,,,,,,,\n")
    with pytest.raises(CSVError) as exc:
        read_records(p, require_rating=True)
    assert (exc.value.line, exc.value.field) == (3, "rating")
    with pytest.raises(CSVError) as exc:
        read_records(write(tmp_path, "title\nA\n", "x.csv"), require_rating=True)
    assert exc.value.field == "rating" and exc.value.line == 1


@pytest.mark.parametrize("text,line", [("", 1), ("foo,bar\n1,2\n", 1), ("title,year\nA,2000,extra\n", 2),
                                       ("title,title\nA,B\n", 1)])
def test_csv_structural_errors(tmp_path, text, line):
    with pytest.raises(CSVError) as exc:
        read_records(write(tmp_path, text))
    assert exc.value.line == line and exc.value.file.endswith("films.csv")


def test_csv_missing_file(tmp_path):
    with pytest.raises(CSVError) as exc:
        read_records(tmp_path / "nope.csv")
    assert "nope.csv" in str(exc.value)
