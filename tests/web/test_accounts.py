"""Sign up → onboarding (cold start), sign in/out, language, passwords, history and ratings."""
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Profile
from interactions.models import Interaction
from interactions.services.events import events_record

pytestmark = pytest.mark.django_db
User = get_user_model()


def html(response):
    return response.content.decode()


def field_errors(page, field_id):
    """The error list rendered right after a field (id="<field_id>_error")."""
    m = re.search(rf'<ul class="field-errors" id="{field_id}_error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", m.group(1)) if m else ""


SIGNUP = {"username": "zoe", "email": "zoe@example.com", "password1": "Longer-pass-42",
          "password2": "Longer-pass-42", "language": "fr"}


def test_signup_creates_the_viewer_signs_in_and_goes_to_onboarding(client, db):
    r = client.post(reverse("accounts:signup"), SIGNUP)
    assert r.status_code == 302 and r["Location"] == reverse("web:onboarding")
    user = User.objects.get(username="zoe")
    assert user.profile.language == "fr" and not user.profile.onboarded
    assert r.cookies["django_language"].value == "fr"
    assert client.get(reverse("web:onboarding")).status_code == 200  # signed in


@pytest.mark.parametrize("change, field, message", [
    ({"password2": "Other-pass-42"}, "id_password2", "The two passwords differ"),
    ({"password1": "123", "password2": "123"}, "id_password1", "too short"),
    ({"username": "bad name!"}, "id_username", "Enter a valid username"),
    ({"email": "not-an-email"}, "id_email", "valid email"),
])
def test_signup_errors_are_shown_next_to_the_field_and_nothing_is_stored(client, db, change, field, message):
    r = client.post(reverse("accounts:signup"), {**SIGNUP, **change})
    assert r.status_code == 200
    assert message.lower() in field_errors(html(r), field).lower()
    assert not User.objects.filter(username=SIGNUP["username"]).exists()


def test_signup_with_a_taken_username_says_so_next_to_the_username(client, viewer):
    r = client.post(reverse("accounts:signup"), {**SIGNUP, "username": viewer.username.upper()})
    assert "already exists" in field_errors(html(r), "id_username")
    assert User.objects.filter(username__iexact=viewer.username).count() == 1


def test_onboarding_stores_genres_and_titles_for_the_recommender(viewer_web, viewer, catalog):
    page = html(viewer_web.get(reverse("web:onboarding")))
    assert 'name="genres"' in page and 'name="titles"' in page and 'data-token-input' in page
    drama = catalog["Whiplash"].genres.get(name="Drama")
    r = viewer_web.post(reverse("web:onboarding"), {
        "genres": [drama.pk], "titles": [catalog["Inception"].pk], "names": ["amelie", ""]})
    assert r.status_code == 302 and r["Location"] == reverse("web:home")
    profile = Profile.objects.get(user=viewer)
    assert profile.onboarded
    assert list(profile.favourite_genres.values_list("name", flat=True)) == ["Drama"]
    assert set(profile.liked_titles.values_list("primary_title", flat=True)) == {"Inception", "Amélie"}


def test_onboarding_rejects_unknown_names_and_empty_picks_without_saving(viewer_web, viewer, catalog):
    r = viewer_web.post(reverse("web:onboarding"), {"names": ["No Such Film Anywhere"]})
    assert "No title found for: No Such Film Anywhere" in field_errors(html(r), "onb-names")
    r = viewer_web.post(reverse("web:onboarding"), {})
    assert "Pick at least one genre or one title" in html(r)
    profile = Profile.objects.get(user=viewer)
    assert not profile.onboarded and not profile.liked_titles.exists()
    r = viewer_web.post(reverse("web:onboarding"), {"skip": "1"})
    assert r.status_code == 302 and Profile.objects.get(user=viewer).onboarded


def test_login_sets_the_language_of_the_profile_and_logout_is_a_post(client, viewer):
    from accounts.services import profile_update

    profile_update(user=viewer, language="fr")
    bad = client.post(reverse("accounts:login"), {"username": "viewer1", "password": "wrong"})
    assert bad.status_code == 200 and "form-errors" in html(bad)
    r = client.post(reverse("accounts:login"), {"username": "viewer1", "password": "s3cret-Passw0rd"})
    assert r.status_code == 302 and r.cookies["django_language"].value == "fr"
    assert client.get(reverse("accounts:logout")).status_code == 405
    r = client.post(reverse("accounts:logout"))
    assert r.status_code == 302
    assert client.get(reverse("web:history")).status_code == 302  # signed out


def test_profile_language_sets_profile_and_cookie(viewer_web, viewer):
    r = viewer_web.post(reverse("accounts:profile"), {"language": "fr"})
    assert r.status_code == 302 and r.cookies["django_language"].value == "fr"
    assert Profile.objects.get(user=viewer).language == "fr"
    r = viewer_web.post(reverse("accounts:profile"), {"language": "xx"})
    assert r.status_code == 200 and field_errors(html(r), "id_language")
    assert Profile.objects.get(user=viewer).language == "fr"


def test_footer_language_switch_for_visitors_and_viewers(client, viewer):
    r = client.post("/i18n/setlang/", {"language": "fr", "next": "/search/"})
    assert r.status_code == 302 and r["Location"] == "/search/" and r.cookies["django_language"].value == "fr"
    client.force_login(viewer)
    page = html(client.get("/search/"))
    assert f'action="{reverse("accounts:language")}"' in page
    r = client.post(reverse("accounts:language"), {"language": "fr", "next": "/search/"})
    assert r.status_code == 302 and r["Location"] == "/search/"
    assert r.cookies["django_language"].value == "fr" and Profile.objects.get(user=viewer).language == "fr"
    r = client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    assert Profile.objects.get(user=viewer).language == "fr"  # unknown codes change nothing


def test_password_change(viewer_web, viewer):
    r = viewer_web.post(reverse("accounts:password_change"), {
        "old_password": "wrong", "new_password1": "Brand-new-pass-7", "new_password2": "Brand-new-pass-7"})
    assert r.status_code == 200 and field_errors(html(r), "id_old_password")
    r = viewer_web.post(reverse("accounts:password_change"), {
        "old_password": "s3cret-Passw0rd", "new_password1": "Brand-new-pass-7", "new_password2": "Brand-new-pass-7"})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:password_change_done")
    viewer.refresh_from_db()
    assert viewer.check_password("Brand-new-pass-7")


def test_password_reset_by_email_link(client, viewer):
    r = client.post(reverse("accounts:password_reset"), {"email": viewer.email})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    r = client.get(link, follow=True)
    assert "Choose a new password" in html(r)
    r = client.post(r.redirect_chain[-1][0], {"new_password1": "Reset-pass-99", "new_password2": "Reset-pass-99"})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:password_reset_complete")
    viewer.refresh_from_db()
    assert viewer.check_password("Reset-pass-99")
    assert "no longer works" in html(client.get(link, follow=True))  # one use only


def _watch(user, title, kind="full_watch"):
    events_record(events=[{"event_id": str(uuid.uuid4()), "title_id": title.pk, "kind": kind}], actor=user,
                  source="web")


def test_history_is_paginated_and_a_title_can_be_removed(viewer_web, viewer, catalog):
    titles = list(catalog.values())
    for t in titles:
        _watch(viewer, t, "play")
    page1 = html(viewer_web.get(reverse("web:history")))
    assert page1.count("data-history-item") == 22 and 'rel="next"' not in page1
    from tests.web.catalog_data import build_catalog

    for t in build_catalog(30)[22:]:
        _watch(viewer, t, "play")
    page1 = html(viewer_web.get(reverse("web:history")))
    assert page1.count("data-history-item") == 24 and 'rel="next"' in page1
    target = catalog["Inception"]
    r = viewer_web.post(reverse("web:history_remove", args=[target.pk]), {"next": "/accounts/history/?page=2"})
    assert r.status_code == 302 and r["Location"] == "/accounts/history/?page=2"
    assert Interaction.objects.get(user=viewer, title=target).hidden
    pages = html(viewer_web.get(reverse("web:history"))) + html(viewer_web.get("/accounts/history/?page=2"))
    assert f'data-title-id="{target.pk}"' not in pages
    r = viewer_web.post(reverse("web:history_remove", args=[999999]), follow=True)
    assert "not in your history" in html(r)


def test_history_remove_rejects_foreign_redirects(viewer_web, viewer, catalog):
    _watch(viewer, catalog["Memento"])
    r = viewer_web.post(reverse("web:history_remove", args=[catalog["Memento"].pk]),
                        {"next": "https://evil.example/"})
    assert r["Location"] == reverse("web:history")


def test_rating_without_javascript_and_the_ratings_page(viewer_web, viewer, catalog):
    t = catalog["Parasite"]
    r = viewer_web.post(reverse("web:rate", args=[t.pk]), {"stars": "5"})
    assert r.status_code == 302 and r["Location"] == reverse("web:title", args=[t.pk])
    assert Interaction.objects.get(user=viewer, title=t).rating == 5
    page = html(viewer_web.get(reverse("web:ratings")))
    assert "Parasite" in page and re.search(rf'id="star-{t.pk}-5"\s+checked', page)
    for bad in ("", "9", "abc"):
        r = viewer_web.post(reverse("web:rate", args=[t.pk]), {"stars": bad}, follow=True)
        assert "message-error" in html(r)
    assert Interaction.objects.get(user=viewer, title=t).rating == 5  # unchanged by bad input


def test_account_pages_need_a_signed_in_viewer(client, db):
    for name in ("web:onboarding", "accounts:profile", "web:history", "web:ratings", "accounts:password_change"):
        r = client.get(reverse(name))
        assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login")), name
