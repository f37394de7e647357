"""Home, title, person, search, player and artwork pages, as a viewer sees them."""
import re
import xml.dom.minidom

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from recommendations.models import RecommendationSnapshot
from recommendations.selectors import recommendations_for_user

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


# --- home -------------------------------------------------------------------------------------
def test_home_for_visitors_has_hero_public_rows_and_a_call_to_sign_up(client, catalog):
    r = client.get("/")
    assert r.status_code == 200
    page = html(r)
    assert 'class="hero"' in page and 'class="hero-title"' in page
    for row in ('data-row="trending"', 'data-row="top-rated"', 'data-row="genre-drama"'):
        assert row in page
    assert "Top picks for you" not in page
    assert reverse("accounts:signup") in page
    # Every row is a keyboard-focusable scroll region.
    assert page.count('class="row-scroller" tabindex="0" role="region"') == page.count('class="row"')


def test_home_for_a_viewer_starts_with_top_picks_and_shows_the_fallback_note(viewer_web, viewer, catalog):
    page = html(viewer_web.get("/"))
    assert 'data-row="top-picks"' in page and "Top picks for you" in page
    note = recommendations_for_user(user=viewer, k=20).note
    if note:
        assert note in page
    assert reverse("accounts:signup") not in page  # no sign-up call for members
    # Genre rows for the viewer's favourite genres come first.
    from accounts.services import profile_update

    profile_update(user=viewer, genre_ids=[catalog["Spirited Away"].genres.get(name="Animation").pk])
    page = html(viewer_web.get("/"))
    assert page.index('data-row="genre-animation"') < page.index('data-row="genre-drama"')


def test_home_shows_because_you_watched_from_the_latest_snapshot(viewer_web, viewer, catalog):
    source = catalog["Inception"]
    picks = [catalog["Interstellar"], catalog["Memento"]]
    RecommendationSnapshot.objects.create(
        user=viewer, reason=RecommendationSnapshot.Reason.BECAUSE_YOU_WATCHED, source_title=source,
        items=[{"title_id": t.pk, "score": 1.0} for t in picks])
    page = html(viewer_web.get("/"))
    assert "Because you watched Inception" in page
    row = page[page.index('data-row="because-you-watched"'):]
    row = row[: row.index("</section>")]
    assert f'href="/titles/{picks[0].pk}/"' in row and f'href="/titles/{picks[1].pk}/"' in row
    assert f'href="/titles/{source.pk}/"' not in row


def test_cards_send_thumbnail_clicks_and_have_alt_text(client, catalog):
    page = html(client.get("/"))
    cards = re.findall(r'<a class="card"[^>]*>', page)
    assert cards and all('data-track="thumbnail_click"' in c and "data-title-id=" in c for c in cards)
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert imgs and all(re.search(r'\balt="[^"]*"', i) for i in imgs)
    assert all(re.search(r'\balt="[^"]+"', i) for i in imgs if "card-img" in i)


def test_empty_catalog_home_explains_what_to_do(client, db):
    page = html(client.get("/"))
    assert "The catalog is empty" in page


# --- title page -------------------------------------------------------------------------------
def test_title_page_shows_everything_a_viewer_expects(client, catalog):
    t = catalog["Inception"]
    r = client.get(reverse("web:title", args=[t.pk]))
    assert r.status_code == 200
    page = html(r)
    assert "<h1 class=\"title-name\">Inception</h1>" in page
    assert "2010" in page and "2h 28min" in page and "8.8" in page
    for genre in ("Action", "Sci-Fi", "Thriller"):
        assert f">{genre}</a>" in page
    assert "dream-sharing technology" in page
    nolan = t.credits.get(category="director").person
    assert f'href="{reverse("catalog:person", args=[nolan.pk])}"' in page and "Christopher Nolan" in page
    assert "Leonardo DiCaprio" in page
    assert f'href="{reverse("web:player", args=[t.pk])}"' in page
    assert 'data-row="more-like-this"' in page
    more = page[page.index('data-row="more-like-this"'):]
    assert f'href="/titles/{catalog["Interstellar"].pk}/"' in more  # same director and genres
    assert f'src="/titles/{t.pk}/poster.svg"' in page
    # Visitors are invited to sign in to rate; viewers get the star widget.
    assert "data-rating-form" not in page and "to rate this title" in page


def test_title_page_star_widget_shows_the_viewers_rating(viewer_web, viewer, catalog):
    from interactions.services.ratings import rating_set

    t = catalog["Amélie"]
    rating_set(user=viewer, title_id=t.pk, stars=4)
    page = html(viewer_web.get(reverse("web:title", args=[t.pk])))
    assert "data-rating-form" in page
    assert re.search(r'<input type="radio" name="stars" value="4" id="star-4"\s+checked>', page)
    assert "You gave it 4 stars." in page


def test_unknown_title_and_person_are_404_pages(client, db):
    r = client.get("/titles/999999/")
    assert r.status_code == 404 and "Lost your way?" in html(r)
    assert client.get("/people/999999/").status_code == 404


def test_remote_posters_only_when_enabled(client, catalog, settings):
    t = catalog["Inception"]
    t.poster_path = "/qmDpIHrmpJINaRKAfWQfftjCdyi.jpg"
    t.save()
    page = html(client.get(reverse("web:title", args=[t.pk])))
    assert "image.tmdb.org" not in page and f"/titles/{t.pk}/poster.svg" in page
    settings.NETFLOOX_REMOTE_POSTERS = True
    page = html(client.get(reverse("web:title", args=[t.pk])))
    assert "https://image.tmdb.org/t/p/w342/qmDpIHrmpJINaRKAfWQfftjCdyi.jpg" in page
    # Titles without a poster_path keep the generated one.
    assert f'/titles/{catalog["Memento"].pk}/poster.svg' in page


# --- generated artwork ------------------------------------------------------------------------
def test_generated_poster_is_valid_deterministic_svg_with_title_and_year(client, catalog):
    t = catalog["Le Dîner de cons"]
    r1 = client.get(reverse("catalog:poster", args=[t.pk]))
    r2 = client.get(reverse("catalog:poster", args=[t.pk]))
    assert r1.status_code == 200 and r1["Content-Type"].startswith("image/svg+xml")
    assert "max-age=86400" in r1["Cache-Control"]
    assert r1.content == r2.content
    doc = xml.dom.minidom.parseString(r1.content)
    texts = " ".join(n.firstChild.data for n in doc.getElementsByTagName("text") if n.firstChild)
    assert "Dîner" in texts and "1998" in texts
    other = client.get(reverse("catalog:poster", args=[catalog["Inception"].pk])).content
    assert other != r1.content


def test_poster_escapes_markup_in_titles():
    from catalog.posters import poster_svg

    svg = poster_svg(title_id=3, title='<script>alert("x")</script> & "Co"', year=2020, genre="Drama")
    doc = xml.dom.minidom.parseString(svg)  # well-formed: nothing leaked out of its element
    assert not doc.getElementsByTagName("script")
    assert 'alert("x")' in doc.documentElement.getAttribute("aria-label")


def test_unknown_poster_is_still_an_image(client, db):
    r = client.get(reverse("catalog:poster", args=[424242]))
    assert r.status_code == 404 and r["Content-Type"].startswith("image/svg+xml")
    xml.dom.minidom.parseString(r.content)


def test_backdrop_is_svg(client, db):
    r = client.get(reverse("catalog:backdrop", args=[7]))
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")
    xml.dom.minidom.parseString(r.content)


# --- person, search ---------------------------------------------------------------------------
def test_person_page_lists_filmography_with_links(client, catalog):
    nolan = catalog["Inception"].credits.get(category="director").person
    page = html(client.get(reverse("catalog:person", args=[nolan.pk])))
    assert "<h1>Christopher Nolan</h1>" in page
    for name in ("Inception", "Interstellar", "The Dark Knight", "Memento"):
        assert f'href="/titles/{catalog[name].pk}/"' in page
    assert "Director" in page


def test_search_is_accent_insensitive_and_finds_people(client, catalog):
    page = html(client.get(reverse("web:search"), {"q": "amelie"}))
    assert f'href="/titles/{catalog["Amélie"].pk}/"' in page and "1 title" in page
    page = html(client.get(reverse("web:search"), {"q": "nolan"}))
    assert "Christopher Nolan" in page
    page = html(client.get(reverse("web:search"), {"q": "zzzzqqq"}))
    assert "No title matches" in page


def test_search_by_genre_and_pagination(client, db):
    from tests.web.catalog_data import build_catalog

    build_catalog(200)  # famous + filler titles, two genres each
    r = client.get(reverse("web:search"), {"genre": "drama"})
    page = html(r)
    assert r.context["titles_page"].paginator.count > 36
    assert 'rel="next"' in page and "genre=drama" in page
    r2 = client.get(reverse("web:search"), {"genre": "drama", "page": 2})
    first = {t.pk for t in r.context["titles_page"]}
    second = {t.pk for t in r2.context["titles_page"]}
    assert first and second and not first & second


# --- player -----------------------------------------------------------------------------------
def test_player_needs_an_account(client, catalog):
    url = reverse("web:player", args=[catalog["Inception"].pk])
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_player_page_has_a_local_video_and_the_event_script(viewer_web, catalog):
    t = catalog["Inception"]
    page = html(viewer_web.get(reverse("web:player", args=[t.pk])))
    assert '<video id="player-video"' in page and "/static/video/demo.webm" in page
    assert f'data-title-id="{t.pk}"' in page and "/static/js/player.js" in page
    assert "New picks for you, because you watched Inception" in page
    clip = finders.find("video/demo.webm")
    assert clip, "the demo clip is missing from static/"
    with open(clip, "rb") as fh:
        data = fh.read()
    assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) < 300_000  # a small WebM (EBML header)
    assert viewer_web.get("/titles/999999/watch/").status_code == 404


def test_cards_fragment_renders_titles_in_the_given_order(client, catalog):
    ids = [catalog["Memento"].pk, catalog["Inception"].pk]
    page = html(client.get(reverse("catalog:cards"), {"ids": f"{ids[0]},{ids[1]},abc,999999"}))
    assert page.index(f'/titles/{ids[0]}/"') < page.index(f'/titles/{ids[1]}/"')
    assert html(client.get(reverse("catalog:cards"), {"ids": "x"})).count("card-item") == 0


# --- navigation -------------------------------------------------------------------------------
def test_navigation_links_staff_admin_and_analytics(client, viewer, catalog):
    page = html(client.get("/"))
    assert 'href="/analytics/"' in page and 'href="/popularity/"' in page
    assert "/admin/" not in page
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    page = html(client.get("/"))
    assert 'href="/admin/"' in page and 'href="/accounts/history/"' in page
    assert f'action="{reverse("accounts:logout")}"' in page  # sign out is a POST form


def test_server_error_page_renders_without_the_database(rf, django_assert_num_queries):
    from netfloox.views import handler500

    with django_assert_num_queries(0):
        r = handler500(rf.get("/titles/1/"))
    assert r.status_code == 500
    page = html(r)
    assert "Something went wrong on our side" in page and "/static/css/netfloox.css" in page
