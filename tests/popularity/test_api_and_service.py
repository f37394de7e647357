"""POST /api/popularity/predict/ and the training service on the database (issue #5 interfaces)."""
import random
from decimal import Decimal

import pytest

from catalog.models import Credit, CreditCategory, Genre, Person, Title
from core.models import ModelVersion
from popularity.models import PopularityPrediction

URL = "/api/popularity/predict/"


@pytest.fixture
def rated_catalog(db):
    """120 rated films with a planted relation: dramas by director A rate high, horror by B low."""
    rng = random.Random(3)
    drama = Genre.objects.create(name="Drama", slug="drama")
    horror = Genre.objects.create(name="Horror", slug="horror")
    a = Person.objects.create(name="Director A")
    b = Person.objects.create(name="Director B")
    for i in range(120):
        good = i % 2 == 0
        rating = (7.6 if good else 4.6) + rng.uniform(-0.4, 0.4)
        t = Title.objects.create(primary_title=f"Film {i}", start_year=1980 + i % 40, runtime_minutes=90 + i % 50,
                                 imdb_rating=Decimal(f"{rating:.1f}"), imdb_votes=1000 + i)
        t.genres.add(drama if good else horror)
        Credit.objects.create(title=t, person=a if good else b, category=CreditCategory.DIRECTOR, ordering=1)
    return {"A": a, "B": b}


@pytest.mark.django_db
def test_no_model_gives_the_genre_mean_with_a_note(rated_catalog, api_client):
    r = api_client.post(URL, {"genres": ["Drama"], "runtime": 110}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["model_version"] is None and "No popularity model" in body["note"]
    assert 7.0 < body["estimate"] < 8.2  # the planted drama mean
    assert PopularityPrediction.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("payload, field", [
    ({"genres": ["Space Opera"]}, "genres"),
    ({"runtime": -5}, "runtime"),
    ({"budget": "a lot"}, "budget"),
    ({"year": 1700}, "year"),
    ({"type": "podcast"}, "type"),
    ({"directors": [999_999]}, "directors"),
    ({"actors": ["Ann\x00Other"]}, "actors"),
    ({"actors": [True]}, "actors"),
])
def test_bad_input_is_a_400_naming_the_field(rated_catalog, api_client, payload, field):
    r = api_client.post(URL, payload, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"], r.json()
    assert PopularityPrediction.objects.count() == 0


@pytest.mark.django_db
def test_nul_in_a_person_is_a_400_not_a_database_error(rated_catalog, client):
    r = client.post(URL, {"title": "x", "actors": ["a\x00b", "c"]}, content_type="application/json")
    assert r.status_code == 400 and "actors" in r.json()["errors"]


@pytest.mark.django_db
def test_the_api_takes_json_only(rated_catalog, client):
    r = client.post(URL, {"title": "x", "actors": ["c"]})  # form-encoded
    assert r.status_code == 415 and r.json()["detail"]


@pytest.mark.django_db
def test_training_on_the_catalog_activates_a_model_that_learned_and_explains(rated_catalog, api_client):
    from popularity.services import popularity_train

    mv = popularity_train(triggered_by="test", search=False)
    assert mv.status == ModelVersion.Status.ACTIVE and mv.gate["passed"]
    assert mv.metrics["r2"] > 0.5 and mv.data_counts["titles"] == 120
    good = api_client.post(URL, {"genres": ["Drama"], "directors": [rated_catalog["A"].id]}, format="json").json()
    bad = api_client.post(URL, {"genres": ["Horror"], "directors": ["Director B"]}, format="json").json()
    assert good["model_version"] == mv.version and good["note"] == ""
    assert good["estimate"] > bad["estimate"] + 1.5
    assert good["low"] <= good["estimate"] <= good["high"] and 0 < good["coverage"] < 1
    assert good["explanation"] and {"field", "effect", "text"} <= set(good["explanation"][0])
    # an unknown person and genre-less description still get an estimate
    r = api_client.post(URL, {"actors": ["Nobody We Know"], "runtime": 95}, format="json")
    assert r.status_code == 200 and r.json()["model_version"] == mv.version


@pytest.mark.django_db
def test_training_refuses_too_little_data_and_keeps_the_previous_model(db):
    from popularity.services import NotEnoughData, popularity_train

    with pytest.raises(NotEnoughData):
        popularity_train(triggered_by="test", search=False)
    assert ModelVersion.objects.get(name="popularity").status == ModelVersion.Status.FAILED
    assert not ModelVersion.objects.filter(name="popularity", is_active=True).exists()
