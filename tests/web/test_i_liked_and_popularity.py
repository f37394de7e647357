""""I liked…" (5 films and why) and the content teams' popularity estimator page."""
import re

import pytest
from django.urls import reverse

from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


# --- I liked… ---------------------------------------------------------------------------------
def test_i_liked_returns_five_films_with_reasons(client, catalog):
    r = client.get(reverse("recommendations:i_liked"), {"names": ["inception", "amelie"]})
    page = html(r)
    assert r.status_code == 200
    results = r.context["results"]
    assert len(results) == 5
    liked = {catalog["Inception"].pk, catalog["Amélie"].pk}
    assert not liked & {x["title"].pk for x in results}
    assert page.count('class="rec-item"') == 5
    assert "Because you liked Inception (2010), Amélie (2001)" in page
    # Every pick says why; Nolan's films name him.
    assert all(x["why"] for x in results)
    nolan_films = {catalog[n].pk for n in ("Interstellar", "The Dark Knight", "Memento")}
    assert any("Christopher Nolan" in x["why"] and "Inception" in x["why"]
               for x in results if x["title"].pk in nolan_films)


def test_i_liked_explains_shared_genres_and_people():
    from types import SimpleNamespace as NS

    from recommendations.views import explain

    class Rel(list):
        def all(self):
            return self

    def title(pk, name, genres, people):
        credits = Rel(NS(category=cat, person_id=pid, person=NS(name=pname), ordering=i)
                      for i, (pid, pname, cat) in enumerate(people))
        return NS(pk=pk, primary_title=name, genres=Rel(NS(name=g) for g in genres), credits=credits)

    liked = [title(1, "Inception", ["Action", "Sci-Fi"], [(10, "Christopher Nolan", "director"),
                                                          (11, "Leonardo DiCaprio", "actor")]),
             title(2, "Amélie", ["Comedy", "Romance"], [(20, "Jean-Pierre Jeunet", "director")])]
    recs = [title(3, "Interstellar", ["Sci-Fi", "Drama"], [(10, "Christopher Nolan", "director")]),
            title(4, "Delicatessen", ["Comedy"], [(20, "Jean-Pierre Jeunet", "director")]),
            title(5, "Unrelated", ["Horror"], [])]
    why = explain(liked, recs)
    assert why[3] == "Because you liked Inception: Sci-Fi, Christopher Nolan in common"
    assert why[4] == "Because you liked Amélie: Comedy, Jean-Pierre Jeunet in common"
    assert why[5] == "Liked by viewers with the same tastes as you"
    # The model's reason wins over the largest overlap, and says so even with nothing in common.
    why = explain(liked, recs, {4: liked[0], 5: liked[1]})
    assert why[4] == "Because you liked Inception"
    assert why[5] == "Because you liked Amélie"
    assert why[3] == "Because you liked Inception: Sci-Fi, Christopher Nolan in common"


@pytest.mark.parametrize("params, message", [
    ({"names": [""]}, "Type at least one film you liked."),
    ({"names": ["no such film qqq"]}, "We found none of these titles"),
    ({"names": [f"film {i}" for i in range(6)]}, "At most 5 names"),
])
def test_i_liked_errors_are_shown_next_to_the_field(client, catalog, params, message):
    page = html(client.get(reverse("recommendations:i_liked"), params))
    errors = re.search(r'<ul class="field-errors" id="liked-names_error">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1)
    assert 'class="rec-item"' not in page


def test_i_liked_ignores_unknown_names_when_others_match(client, catalog):
    page = html(client.get(reverse("recommendations:i_liked"), {"names": ["Memento", "qqq unknown"]}))
    assert "Not found, ignored: qqq unknown." in page and page.count('class="rec-item"') == 5


def test_i_liked_first_visit_shows_only_the_form(client, catalog):
    page = html(client.get(reverse("recommendations:i_liked")))
    assert "data-token-input" in page and "field-errors" not in page and "rec-item" not in page


# --- popularity estimator ---------------------------------------------------------------------
VALID = {"genres": ["Drama", "Comedy"], "actors": ["Omar Sy", "New Face"], "directors": ["Olivier Nakache"],
         "writers": [], "producers": [], "runtime": "112", "year": "2026", "budget": "9500000",
         "type": "movie", "country": "FR", "language": "fr"}


@pytest.fixture
def fake_predict(monkeypatch):
    calls = []

    def predict(*, inputs, user=None):
        calls.append({"inputs": inputs, "user": user})
        if "Nobody" in inputs.get("directors", []):
            raise ValidationFailed("Invalid project.", errors={"directors": ["Unknown person: Nobody."]})
        return {"estimate": 7.4, "low": 6.8, "high": 8.0, "model_version": "popularity-test-1",
                "explanation": [{"field": "genres", "label": "Genres", "value": "Drama, Comedy", "effect": 0.42},
                                {"field": "runtime", "label": "Runtime", "value": "112 min", "effect": -0.1}]}

    monkeypatch.setattr("popularity.services.popularity_predict", predict)
    return calls


def test_popularity_form_lists_catalog_genres(client, catalog):
    page = html(client.get(reverse("popularity:estimate")))
    assert 'name="genres" value="Sci-Fi"' in page and 'id="pp-actors"' in page and 'data-kinds="people"' in page


def test_popularity_estimate_with_range_and_reasons(client, catalog, fake_predict):
    r = client.post(reverse("popularity:estimate"), VALID)
    page = html(r)
    assert r.status_code == 200
    sent = fake_predict[0]["inputs"]
    assert sent == {"genres": ["Drama", "Comedy"], "actors": ["Omar Sy", "New Face"], "directors": ["Olivier Nakache"],
                    "writers": [], "producers": [], "runtime": 112, "year": 2026, "budget": 9500000,
                    "type": "movie", "country": "FR", "language": "fr"}
    assert 'data-estimate="7.40"' in page and "Likely between <strong>6.8</strong> and <strong>8.0</strong>" in page
    assert 'class="gauge-range" style="left: 68.0%; width: calc(80.0% - 68.0%);"' in page
    assert re.search(r'Genres <span class="reason-value">Drama, Comedy</span>', page)
    assert "Runtime (minutes)" in page and "+0.42" in page and "-0.10" in page
    # The chips keep what was typed.
    assert 'type="hidden" name="actors" value="New Face"' in page


def test_popularity_field_errors_are_next_to_fields_and_service_not_called(client, catalog, fake_predict):
    bad = {**VALID, "runtime": "0", "year": "1700", "genres": []}
    page = html(client.post(reverse("popularity:estimate"), bad))
    for field in ("id_runtime", "id_year"):
        assert re.search(rf'<ul class="field-errors" id="{field}_error">', page), field
    assert re.search(r'<ul class="field-errors" id="genres_error">\s*<li>Pick at least one genre.', page)
    assert not fake_predict


def test_popularity_service_errors_land_on_their_field(client, catalog, fake_predict):
    page = html(client.post(reverse("popularity:estimate"), {**VALID, "directors": ["Nobody"]}))
    m = re.search(r'<ul class="field-errors" id="pp-directors_error">(.*?)</ul>', page, re.S)
    assert m and "Unknown person: Nobody." in m.group(1)
    assert "data-estimate" not in page


def test_popularity_with_the_real_service(client, catalog, monkeypatch):
    """Against popularity.services itself (its validation and storage); only the trained model
    is replaced by a fake, because training one takes ~20 s."""
    from popularity.models import PopularityPrediction
    from popularity.services import popularity_predict
    from tests.web.fakes import install_fake_popularity_model

    page = html(client.post(reverse("popularity:estimate"), VALID))
    if "data-estimate" in page:  # no trained model: the service's fallback, with its note shown
        note = popularity_predict(inputs={"genres": ["Drama"], "runtime": 100, "year": 2020}).get("note")
        assert note and note in page
    else:  # or an error naming what to do, not a crash
        assert "No popularity model is trained yet" in page
    PopularityPrediction.objects.all().delete()
    install_fake_popularity_model(monkeypatch)
    r = client.post(reverse("popularity:estimate"), VALID)
    page = html(r)
    assert r.status_code == 200 and 'data-estimate="6.50"' in page
    assert "(80 % interval)" in page and "Omar Sy" in page and "Model popularity-fake" in page
    assert PopularityPrediction.objects.count() == 1
    page = html(client.post(reverse("popularity:estimate"), {**VALID, "genres": ["Drama", "Nope"]}))
    assert re.search(r'<ul class="field-errors" id="genres_error">', page)  # not a known choice
    assert PopularityPrediction.objects.count() == 1


def test_i_liked_asks_which_film_an_ambiguous_name_means(client, catalog):
    from catalog.models import Title

    memento = catalog["Memento"]
    other = Title.objects.create(primary_title="Memento", start_year=1980, imdb_votes=memento.imdb_votes)
    page = html(client.get(reverse("recommendations:i_liked"), {"names": ["memento"]}))
    assert "“memento” matches several films" in page and 'class="rec-item"' not in page
    links = {pk: href for href, pk in re.findall(r'<a href="([^"]+)" data-pick="(\d+)"', page)}
    assert set(links) == {str(memento.pk), str(other.pk)}
    chosen = client.get(reverse("recommendations:i_liked") + links[str(memento.pk)].replace("&amp;", "&"))
    assert chosen.context["liked"] == [memento] and len(chosen.context["results"]) == 5
    assert "Because you liked Memento" in html(chosen)
