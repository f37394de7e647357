"""Works offline (every asset served by the app), is keyboard/screen-reader friendly, and
speaks French."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
STATIC = Path(settings.BASE_DIR) / "static"
MY_STATIC = [p for p in STATIC.rglob("*") if p.is_file() and "analytics" not in p.parts]


def html(response):
    return response.content.decode()


def _pages(client, catalog, member=False):
    t = catalog["Inception"]
    person = t.credits.get(category="director").person
    urls = ["/", reverse("web:title", args=[t.pk]), reverse("catalog:person", args=[person.pk]),
            reverse("web:search") + "?q=amelie", reverse("recommendations:i_liked") + "?names=Inception",
            reverse("popularity:estimate"), reverse("accounts:login"), reverse("accounts:signup"),
            reverse("accounts:password_reset")]
    if member:
        urls = ["/", reverse("web:title", args=[t.pk]), reverse("web:player", args=[t.pk]),
                reverse("web:onboarding"), reverse("web:history"), reverse("web:ratings"),
                reverse("accounts:profile"), reverse("accounts:password_change")]
    out = {}
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        out[url] = html(r)
    return out


@pytest.fixture
def pages(client, viewer, catalog):
    public = _pages(client, catalog)
    client.force_login(viewer)
    return public, _pages(client, catalog, member=True)


def test_no_page_loads_anything_from_outside(pages):
    for group in pages:
        for url, page in group.items():
            refs = re.findall(r'\b(?:src|href|action|poster)="([^"]*)"', page)
            external = [x for x in refs if re.match(r"(?i)^(https?:)?//", x)]
            assert not external, (url, external)
            assert "@import" not in page and "fonts.googleapis" not in page


def test_static_assets_reference_nothing_external():
    for path in MY_STATIC:
        if path.suffix in (".css", ".js", ".svg"):
            text = path.read_text()
            urls = re.findall(r"https?://[^\s\"')]+", text)
            assert all(u.startswith("http://www.w3.org/") for u in urls), (path, urls)


def test_pages_are_accessible_by_structure(pages):
    for group in pages:
        for url, page in group.items():
            assert re.search(r'<html lang="(en|fr)">', page), url
            assert 'name="viewport"' in page, url
            assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page, url
            assert page.count("<h1") >= 1, url
            for img in re.findall(r"<img\b[^>]*>", page):
                assert re.search(r'\balt="', img), (url, img)
            # Every visible form control has a label (or an aria-label).
            for m in re.finditer(r'<(input|select|textarea)\b([^>]*)>', page):
                attrs = m.group(2)
                if re.search(r'type="(hidden|submit|button)"', attrs):
                    continue
                ident = re.search(r'\bid="([^"]+)"', attrs)
                labelled = "aria-label=" in attrs or (ident and f'for="{ident.group(1)}"' in page)
                assert labelled, (url, m.group(0))


def test_po_file_is_complete_and_not_fuzzy():
    po = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    text = po.read_text()
    assert "#, fuzzy" not in text.split("msgid", 2)[2], "fuzzy entries left in the French catalog"
    entries = re.split(r"\n\n+", text)
    missing = []
    for entry in entries[1:]:
        if entry.lstrip().startswith("#~"):
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not msgid:
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M)
        if not strs or any(re.sub(r'"\s*"', "", s).strip() == '""' for s in strs):
            missing.append(msgid.group(1).strip()[:60])
    assert not missing, f"{len(missing)} untranslated: {missing[:10]}"


def test_switching_to_french_translates_the_pages(client, viewer, catalog, french_catalog_compiled):
    client.cookies["django_language"] = "fr"
    page = html(client.get("/"))
    assert '<html lang="fr">' in page
    for text in ("Tendances actuelles", "Les mieux notés", "Aller au contenu", "Lecture", "Langue"):
        assert text in page, text
    assert "Trending now" not in page
    client.force_login(viewer)
    t = catalog["Inception"]
    page = html(client.get(reverse("web:title", args=[t.pk])))
    assert "Votre note" in page and "Réalisateur" in page and "Plus de titres similaires" in page
    page = html(client.get(reverse("popularity:estimate")))
    assert "Estimation de popularité" in page and "Durée (minutes)" in page
    r = client.post(reverse("popularity:estimate"), {"runtime": "0"})
    assert "Pick at least one genre." not in html(r) and "Choisissez au moins un genre." in html(r)
