"""POST /api/events/, GET /api/me/history/, DELETE /api/me/history/{id}/, PUT /api/me/ratings/{id}/."""
import json
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from interactions.models import Event, Interaction
from tests.interactions.conftest import ev

pytestmark = pytest.mark.django_db
URL = "/api/events/"


def _raw(**fields):
    """A JSON body with some fields written verbatim (numbers Python's json would never produce)."""
    parts = {"event_id": f'"{uuid.uuid4()}"', "title_id": "1", "kind": '"play"', **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in parts.items()) + "}"


def post(client, body, raw=False):
    if raw:
        return client.generic("POST", URL, body, content_type="application/json")
    return client.post(URL, body, format="json")


# --- authentication and permission ----------------------------------------------------------------
def test_anonymous_gets_401_and_nothing_is_stored(api_client, titles):
    r = post(api_client, ev(titles[0]))
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert r.headers["WWW-Authenticate"].startswith("Token")
    assert Event.objects.count() == 0


def test_a_viewer_posts_an_event_then_a_duplicate(token_client, viewer, titles):
    e = ev(titles[0], "full_watch", client_ts="2024-05-01T21:40:00Z")
    r = post(token_client, e)
    assert r.status_code == 201 and r.json() == {"stored": 1, "duplicates": 0}
    r = post(token_client, e)
    assert r.status_code == 200 and r.json() == {"stored": 0, "duplicates": 1}
    stored = Event.objects.get()
    assert (stored.user, stored.kind, stored.source) == (viewer, "full_watch", "api")


def test_a_viewer_cannot_post_as_someone_else(token_client, viewer, other_viewer, titles):
    batch = [ev(titles[0]), ev(titles[1], user_id=viewer.id), ev(titles[2], user_id=other_viewer.id)]
    r = post(token_client, batch)
    assert r.status_code == 403
    assert r.json()["errors"] == {"2": {"user_id": ["Not allowed to post events for another viewer."]}}
    assert Event.objects.count() == 0  # not even the viewer's own events: all-or-nothing


def test_a_viewer_may_name_themselves(token_client, viewer, titles):
    r = post(token_client, [ev(titles[0], user_id=viewer.id), ev(titles[1], user_id=str(viewer.id))])
    assert r.status_code == 201 and r.json()["stored"] == 2


def test_a_service_token_posts_for_any_viewer(service_client, viewer, other_viewer, titles):
    r = post(service_client, [ev(titles[0], user_id=viewer.id), ev(titles[0], user_id=other_viewer.id)])
    assert r.status_code == 201, r.content
    assert sorted(Event.objects.values_list("user_id", flat=True)) == sorted([viewer.id, other_viewer.id])
    r = post(service_client, [ev(titles[0], user_id=viewer.id), ev(titles[0], user_id=424242)])
    assert r.status_code == 400 and r.json()["errors"] == {"1": {"user_id": ["No viewer with id 424242."]}}


def test_staff_and_permission_holders_post_for_others(api_client, viewer, other_viewer, titles):
    viewer.user_permissions.add(Permission.objects.get(codename="post_events_for_any_user"))
    api_client.force_authenticate(type(viewer).objects.get(pk=viewer.pk))
    assert post(api_client, ev(titles[0], user_id=other_viewer.id)).status_code == 201
    other_viewer.is_staff = True
    other_viewer.save()
    api_client.force_authenticate(other_viewer)
    assert post(api_client, ev(titles[0], user_id=viewer.id)).status_code == 201


def test_session_posts_need_csrf_and_are_recorded_as_web(viewer, titles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    r = client.post(URL, json.dumps(ev(titles[0])), content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    secret = "a" * 32  # what the site's pages put in the csrftoken cookie
    client.cookies["csrftoken"] = secret
    r = client.post(URL, json.dumps(ev(titles[0])), content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 201, r.content
    assert Event.objects.get().source == "web"


# --- validation ------------------------------------------------------------------------------------
def test_a_bad_batch_gets_400_naming_each_item_and_field(token_client, titles):
    batch = [ev(titles[0]), ev(titles[0], "binge"), {**ev(titles[1]), "event_id": "123"},
             ev(titles[1], "rating", value=9), ev(titles[0], client_ts="2999-01-01T00:00:00Z")]
    r = post(token_client, batch)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and "nothing was stored" in body["detail"]
    assert {k: sorted(v) for k, v in body["errors"].items()} == {
        "1": ["kind"], "2": ["event_id"], "3": ["value"], "4": ["client_ts"]}
    assert Event.objects.count() == 0


def test_batches_over_the_limit_are_refused(token_client, titles, settings):
    settings.NETFLOOX_EVENTS_MAX_BATCH = 3
    r = post(token_client, [ev(titles[0]) for _ in range(4)])
    assert r.status_code == 400 and "3" in r.json()["detail"] and "NETFLOOX_EVENTS_MAX_BATCH" in r.json()["detail"]
    assert post(token_client, [ev(titles[0]) for _ in range(3)]).status_code == 201


@pytest.mark.parametrize("body", [
    "null", '"a string"', "42", "true", "[]", "{}", "[1, \"x\", null]", "[[]]", "{\"event_id\": {\"a\": [1]}}",
    _raw(title_id="1e400"), _raw(title_id="99999999999999999999999999999"), _raw(value="NaN"), _raw(user_id="-1"),
    "{not json", "\x00\xff",
])
def test_weird_bodies_get_a_json_400_never_a_500(token_client, titles, body):
    r = post(token_client, body, raw=True)
    assert r.status_code == 400, (body, r.status_code, r.content)
    assert r.json()["detail"]
    assert Event.objects.count() == 0


def test_other_content_types_are_refused(token_client, titles):
    r = token_client.post(URL, {"event_id": str(uuid.uuid4()), "title_id": titles[0].id, "kind": "play"},
                          format="multipart")
    assert r.status_code == 415


# --- history and ratings -----------------------------------------------------------------------------
def test_history_lists_my_titles_most_recent_first_without_hidden_ones(token_client, viewer, other_viewer,
                                                                        service_client, titles):
    post(token_client, [ev(titles[0], "full_watch", client_ts="2024-01-01T10:00:00Z"),
                        ev(titles[1], "play", client_ts="2024-03-01T10:00:00Z"),
                        ev(titles[2], "thumbnail_click", client_ts="2024-02-01T10:00:00Z")])
    post(service_client, ev(titles[3], user_id=other_viewer.id))
    r = token_client.get("/api/me/history/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    assert [x["title"]["id"] for x in body["results"]] == [titles[1].id, titles[2].id, titles[0].id]
    first = body["results"][2]
    assert first["title"]["primary_title"] == "Film 0" and first["weight"] == 4 and first["full_watches"] == 1

    assert token_client.delete(f"/api/me/history/{titles[1].id}/").status_code == 204
    assert token_client.delete(f"/api/me/history/{titles[1].id}/").status_code == 204  # idempotent
    assert [x["title"]["id"] for x in token_client.get("/api/me/history/").json()["results"]] == [
        titles[2].id, titles[0].id]
    assert Event.objects.filter(title=titles[1]).count() == 1  # the event is kept
    r = token_client.delete(f"/api/me/history/{titles[3].id}/")  # someone else's: not in MY history
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_history_is_personal(api_client):
    assert api_client.get("/api/me/history/").status_code == 401
    assert api_client.delete("/api/me/history/1/").status_code == 401
    assert api_client.put("/api/me/ratings/1/", {"stars": 3}, format="json").status_code == 401


def test_rating_a_title(token_client, viewer, titles):
    r = token_client.put(f"/api/me/ratings/{titles[0].id}/", {"stars": 4}, format="json")
    assert r.status_code == 200 and r.json() == {"title_id": titles[0].id, "stars": 4.0, "weight": 4.0}
    r = token_client.put(f"/api/me/ratings/{titles[0].id}/", {"stars": 1.5}, format="json")
    assert r.json()["stars"] == 1.5
    assert Interaction.objects.get(user=viewer, title=titles[0]).rating == 1.5
    assert Event.objects.filter(kind="rating").count() == 2


@pytest.mark.parametrize("body", [{"stars": 4.2}, {"stars": 6}, {"stars": "abc"}, {}, {"stars": None}])
def test_bad_ratings_are_400_naming_stars(token_client, titles, body):
    r = token_client.put(f"/api/me/ratings/{titles[0].id}/", body, format="json")
    assert r.status_code == 400 and "stars" in r.json()["errors"]
    assert Event.objects.count() == 0


def test_rating_an_unknown_title_is_404(token_client, titles):
    assert token_client.put("/api/me/ratings/999999/", {"stars": 4}, format="json").status_code == 404
    assert token_client.put(f"/api/me/ratings/{10**30}/", {"stars": 4}, format="json").status_code == 404


def test_schema_describes_one_event_or_a_batch(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    op = schema["paths"]["/api/events/"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0] == {"$ref": "#/components/schemas/EventInRequest"}
    assert body["oneOf"][1]["type"] == "array" and body["oneOf"][1]["maxItems"] == 1000
    assert {"200", "201", "400", "401", "403"} <= set(op["responses"])
    assert list(op["requestBody"]["content"]) == ["application/json"]
