"""Viewer and content-team journeys in a real browser (Chromium, Playwright sync API).

Screenshots of each journey go to $NETFLOOX_SCREENSHOT_DIR (a temporary folder when unset);
with NETFLOOX_WALKTHROUGH_DIR set, each step is also saved there as a numbered frame of the
walkthrough (docs/tools/make_walkthrough.py).
"""
import re

import pytest

from tests.browser.conftest import shot, step

pytestmark = pytest.mark.browser


def _sign_up(page, username="marion"):
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password1", "Cinema-lover-2026")
    page.fill("#id_password2", "Cinema-lover-2026")
    step(page, "sign-up", "Sign up: a username, an optional e-mail, a password")
    page.click(".auth-card button[type=submit]")
    page.wait_for_url("**/accounts/welcome/")


def _pick_with_keyboard(page, selector, typed, expected):
    """Type in an autocomplete field, move to the suggestion with ↓ and choose it with Enter."""
    page.fill(selector, "")
    page.locator(selector).press_sequentially(typed, delay=20)
    option = page.locator(f"#{page.get_attribute(selector, 'aria-controls')} [role=option]", has_text=expected)
    option.first.wait_for()
    options = page.locator(f"#{page.get_attribute(selector, 'aria-controls')} [role=option]")
    index = [options.nth(i).inner_text() for i in range(options.count())].index(option.first.inner_text())
    for _ in range(index + 1):
        page.keyboard.press("ArrowDown")
    assert page.get_attribute(selector, "aria-activedescendant")
    page.keyboard.press("Enter")


def _events(username, title=None):
    from interactions.models import Event

    qs = Event.objects.filter(user__username=username)
    if title is not None:
        qs = qs.filter(title=title)
    return list(qs.order_by("server_ts", "id").values_list("kind", flat=True))


def _wait_for_events(username, title, expected, timeout=60):
    """Wait until the viewer's stored events for `title` are `expected` (the live server stores them
    from requests the page sent; how soon depends on the machine). Polls the database: an event
    wait with a hang guard, not a speed check."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        kinds = _events(username, title)
        if kinds == expected or time.monotonic() > deadline:
            return kinds
        time.sleep(0.05)


def test_sign_up_onboard_browse_watch_and_get_new_picks(make_page, browser_catalog):
    from accounts.models import Profile

    page = make_page()
    _sign_up(page)

    # Onboarding: two genres, a poster, and a title typed without its accent.
    page.click("label.chip:has-text('Sci-Fi')")
    page.click("label.chip:has-text('Drama')")
    first_poster = page.locator(".pick-card").first
    first_id = int(first_poster.get_attribute("for").split("-")[1])
    first_poster.click()
    _pick_with_keyboard(page, "#onb-names", "amelie", "Amélie")
    _pick_with_keyboard(page, "#onb-names", "incep", "Inception")
    assert page.locator(".token span").all_inner_texts() == ["Amélie (2001)", "Inception (2010)"]  # with the year
    step(page, "onboarding", "Onboarding: liked genres and films, the recommender's cold start", scroll_to="top")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/$"))
    profile = Profile.objects.get(user__username="marion")
    assert profile.onboarded
    assert set(profile.favourite_genres.values_list("name", flat=True)) == {"Sci-Fi", "Drama"}
    assert set(profile.liked_titles.values_list("pk", flat=True)) == {
        first_id, browser_catalog["Amélie"].pk, browser_catalog["Inception"].pk}

    # Home: hero and rows; rows scroll with the keyboard.
    assert page.locator(".hero-title").is_visible()
    for row in ("top-picks", "trending", "top-rated"):
        assert page.locator(f"[data-row={row}] .card").count() > 0, row
    scroller = page.locator("[data-row=trending] .row-scroller")
    scroller.focus()
    before = scroller.evaluate("el => el.scrollLeft")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=scroller.element_handle())
    assert scroller.evaluate("el => el.scrollLeft") > before
    page.reload()  # without the "thanks" message, for the screenshot
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("() => window.scrollY === 0")
    shot(page, "home.png", caption="Home: a hero, then Top picks for you, Trending now, Top rated…")

    # Open a title from the first row (not the hero): a thumbnail_click is recorded, then its page.
    from catalog.models import Title

    card = page.locator("[data-row=top-picks] a.card").nth(1)
    target = Title.objects.get(pk=int(card.get_attribute("data-title-id")))
    card.scroll_into_view_if_needed()
    card.click()
    page.wait_for_url(f"**/titles/{target.pk}/")
    assert _events("marion", target) == ["thumbnail_click"]
    assert page.locator("h1.title-name").inner_text() == target.primary_title
    assert page.locator("[data-row=more-like-this] .card").count() > 0
    page.click("label[for=star-4]")
    page.wait_for_function("() => document.querySelector('[data-rating-form]').dataset.rated === '4'")
    page.mouse.move(5, 5)
    # Four stars filled, left to right (polled: the colour has a short transition).
    page.wait_for_function("""() => [...document.querySelectorAll('.stars .star')]
        .map(e => getComputedStyle(e).color === 'rgb(245, 197, 24)').join() === 'true,true,true,true,false'""")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "title.png", caption="A title page: details, cast, a 4-star rating, More like this")

    # Watch it to the end (the 10 s clip at 4× speed): play then full_watch, then the
    # notification with new picks that exclude the film.
    page.click("#play-button")
    page.wait_for_url(f"**/titles/{target.pk}/watch/")
    page.evaluate("""() => { const v = document.getElementById('player-video');
                             v.muted = true; v.playbackRate = 4; return v.play(); }""")
    # Hang guards, not speed checks (the full-watch-to-picks latency is benchmarked, docs/benchmarks.md).
    page.wait_for_function("() => document.getElementById('player-video').ended", timeout=60_000)
    toast = page.locator("#new-picks")
    toast.wait_for(state="visible", timeout=60_000)
    assert f"because you watched {target.primary_title}" in toast.inner_text()
    print(f"new picks shown {page.get_attribute('[data-player]', 'data-picks-ms')} ms after the full_watch")
    page.wait_for_selector("#new-picks[data-cards]")
    picks = [int(x) for x in page.locator("#new-picks a.card").evaluate_all(
        "els => els.map(e => e.dataset.titleId)")]
    assert picks and target.pk not in picks
    kinds = _events("marion", target)
    assert kinds[:2] == ["thumbnail_click", "rating"] and "play" in kinds and kinds[-1] == "full_watch"
    assert "skip" not in kinds and "close" not in kinds
    shot(page, "player.png", caption="Played to the end: new picks arrive, because you watched it")

    # Back home: "Because you watched <it>" with picks that exclude it.
    page.goto("/")
    row = page.locator("[data-row=because-you-watched]")
    assert f"Because you watched {target.primary_title}" in row.locator("h2").inner_text()
    ids = [int(x) for x in row.locator("a.card").evaluate_all("els => els.map(e => e.dataset.titleId)")]
    assert ids and target.pk not in ids
    step(page, "because-you-watched", f"Home: a new row, Because you watched {target.primary_title}",
         scroll_to=row)


def test_skip_and_close_are_recorded(make_page, browser_catalog, viewer):
    page = make_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "viewer1")
    page.fill("#id_password", "s3cret-Passw0rd")
    page.click(".auth-card button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    film = browser_catalog["Memento"]
    page.goto(f"/titles/{film.pk}/watch/")
    # The clip is served with HTTP Range support (WhiteNoise), so it is seekable over its whole
    # length as soon as its metadata is loaded: an event, however busy the machine is.
    page.wait_for_function("""() => { const v = document.getElementById('player-video');
        return v.readyState >= 1 && v.seekable.length > 0 && v.seekable.end(0) > v.duration - 0.5; }""",
                           timeout=60_000)
    page.evaluate("""() => { const v = document.getElementById('player-video'); v.muted = true; return v.play(); }""")
    assert _wait_for_events("viewer1", film, ["play"]) == ["play"]
    page.evaluate("() => { document.getElementById('player-video').currentTime = 6; }")  # +6 s of 10: a skip
    assert _wait_for_events("viewer1", film, ["play", "skip"]) == ["play", "skip"]
    page.evaluate("() => document.getElementById('player-video').pause()")
    page.goto("/")  # leaving before the end: close (sent with keepalive on pagehide)
    assert _wait_for_events("viewer1", film, ["play", "skip", "close"]) == ["play", "skip", "close"]

    # My history lists it; "Remove" hides it (DELETE /api/me/history/{id}/) without a reload.
    from interactions.models import Interaction

    page.goto("/accounts/history/")
    item = page.locator(f"[data-history-item][data-title-id='{film.pk}']")
    item.get_by_role("button", name=re.compile("Remove")).click()
    item.wait_for(state="detached")
    assert Interaction.objects.get(user__username="viewer1", title=film).hidden


def test_i_liked_returns_five_films(make_page, browser_catalog):
    page = make_page()
    page.goto("/recommendations/i-liked/")
    _pick_with_keyboard(page, "#liked-names", "incep", "Inception")
    _pick_with_keyboard(page, "#liked-names", "amelie", "Amélie")
    page.locator("#liked-names").press_sequentially("the matrix", delay=10)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")  # typed text becomes a chip
    assert page.locator(".token").count() == 3
    # a chip picked from the suggestions names its year, so the server knows which one is meant
    assert page.locator(".token span").all_inner_texts()[:2] == ["Inception (2010)", "Amélie (2001)"]
    page.click(".i-liked-form button[type=submit]")
    page.wait_for_selector("[data-results]")
    items = page.locator(".rec-item")
    assert items.count() == 5
    liked = {browser_catalog[n].pk for n in ("Inception", "Amélie", "The Matrix")}
    rec_ids = {int(x) for x in items.evaluate_all("els => els.map(e => e.dataset.recTitleId)")}
    assert len(rec_ids) == 5 and not rec_ids & liked
    assert all(t.strip() for t in page.locator(".why").all_inner_texts())
    posters = page.locator(".rec-item img")
    for i in range(posters.count()):  # lazy images load once scrolled to
        posters.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.rec-item img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")  # every poster is a real image
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "i-liked.png", full_page=True, caption="I liked…: type a few films, get 5 picks and why")


def test_search_autocomplete_with_the_keyboard(make_page, browser_catalog):
    page = make_page()
    page.goto("/")
    _pick_with_keyboard(page, "#nav-q", "amelie", "Amélie")
    page.wait_for_url(f"**/titles/{browser_catalog['Amélie'].pk}/")
    page.fill("#nav-q", "nolan")
    page.keyboard.press("Enter")  # no suggestion chosen: the search form is submitted
    page.wait_for_url("**/search/?q=nolan")
    assert page.locator(".person-chip", has_text="Christopher Nolan").count() == 1


def test_popularity_estimate(make_page, browser_catalog, monkeypatch):
    """The estimator page against popularity.services; the trained model is a fake (training
    takes ~20 s), the service's validation and storage are real."""
    from tests.web.fakes import install_fake_popularity_model

    install_fake_popularity_model(monkeypatch)
    page = make_page()
    page.goto("/popularity/")
    page.click("label.chip:has-text('Drama')")
    page.click("label.chip:has-text('Comedy')")
    _pick_with_keyboard(page, "#pp-actors", "omar", "Omar Sy")
    page.fill("#pp-actors", "A Newcomer")
    page.keyboard.press("Enter")
    _pick_with_keyboard(page, "#pp-directors", "nakache", "Olivier Nakache")
    page.fill("#id_runtime", "112")
    page.fill("#id_year", "2026")
    page.fill("#id_budget", "12000000")
    page.select_option("#id_country", "FR")
    page.select_option("#id_language", "fr")
    page.click(".estimator-form button[type=submit]")
    page.wait_for_selector("[data-estimate]")
    estimate = float(page.get_attribute("[data-estimate]", "data-estimate"))
    assert estimate == 6.5  # 2 genres, 2 actors in the fake model
    assert page.locator(".gauge-marker").is_visible() and page.locator(".reason").count() == 3
    assert "A Newcomer" in page.locator(".reasons").inner_text()
    shot(page, "popularity.png", full_page=True,
         caption="Popularity estimator (stand-in model in the tests): rating, range, reasons")


def test_staff_opens_the_analytics_dashboard(make_page, transactional_db):
    """Catalog and viewing KPIs (a synthetic catalog and 30 days of viewing), every chart drawn by
    the locally served Plotly."""
    from accounts.services import viewer_create
    from analytics.views import CATALOG_CHARTS, VIEWING_CHARTS
    from tests.analytics.synthetic import build

    build(n_titles=400)
    analyst = viewer_create(username="analyst", password="x-Passw0rd-1")
    analyst.is_staff = True
    analyst.save(update_fields=["is_staff"])
    page = make_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "x-Passw0rd-1")
    page.click(".auth-card button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto("/analytics/")
    page.wait_for_function(
        "n => document.querySelectorAll('.analytics-chart__plot.js-plotly-plot .main-svg').length >= n",
        arg=len(CATALOG_CHARTS + VIEWING_CHARTS), timeout=90_000)
    assert page.locator("section#catalog").is_visible() and page.locator("section#viewing").is_visible()
    step(page, "analytics", "Analytics dashboard (synthetic data): catalog KPIs, drawn by Plotly")
    step(page, "analytics-viewing", "Analytics, for staff: active viewers and events per day",
         scroll_to=page.locator("section#viewing"))


def test_switching_to_french_translates_the_page(make_page, browser_catalog, french_catalog_compiled):
    page = make_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#footer-language", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("[data-row=trending] h2").inner_text() == "Tendances actuelles"
    assert page.locator(".skip-link").inner_text() == "Aller au contenu"
    step(page, "french-home", "The same site in French (footer language switch)")
    page.goto("/popularity/")
    assert page.locator("h1").inner_text() == "Estimation de popularité"


def test_phone_width_has_no_horizontal_overflow(make_page, browser_catalog):
    page = make_page(width=375, height=812)
    for url in ("/", f"/titles/{browser_catalog['Amélie'].pk}/", "/recommendations/i-liked/", "/popularity/",
                "/accounts/signup/", "/search/?q=a"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
        assert page.locator(".logo").is_visible()
    page.goto("/")
    shot(page, "home-phone.png")


def test_keyboard_only_skip_link_and_focus(make_page, browser_catalog):
    page = make_page()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tabbing reaches a poster card, which shows a visible focus ring.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('card')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('card')")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
