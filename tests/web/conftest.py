"""Fixtures of the web UI tests: a small real-looking catalog and signed-in viewers."""
import pytest

from tests.web.catalog_data import build_catalog


@pytest.fixture
def catalog(db):
    """The famous titles (Inception, Amélie, …) with genres, directors and cast."""
    titles = build_catalog()
    return {t.primary_title: t for t in titles}


@pytest.fixture
def viewer_web(client, viewer):
    """The Django test client signed in as the `viewer` fixture."""
    client.force_login(viewer)
    return client


@pytest.fixture
def french_catalog_compiled():
    """The French catalog compiled from the .po (what `make messages` does), when stale."""
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation
    from django.utils.translation import trans_real

    po = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["fr"], ignore_patterns=[".venv"], verbosity=0)
        from asgiref.local import Local

        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()
    yield
    translation.activate(settings.LANGUAGE_CODE)
