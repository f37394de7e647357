"""The environment the settings read is documented, and production settings behave behind a proxy.

* Every variable read by the settings (or by application code through ``os.environ``) is listed
  in `.env.example` and in the environment table of `docs/install.md`; every variable listed in
  `.env.example` is still read somewhere.
* Under `netfloox.settings.production`, `/healthz` answers a plain-HTTP probe (a load balancer
  talking to gunicorn directly) instead of redirecting it to https; other paths still redirect.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETTINGS_DIR = REPO / "netfloox" / "settings"
NOT_APPLICATION_CODE = {".venv", "tests", "benchmarks", "docs", "node_modules", "var", "staticfiles"}

_NAME = r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
READ_PATTERNS = [
    re.compile(r"\benv\.\w+" + _NAME),                       # env.str("NAME", ...), env.bool, env.db, ...
    re.compile(r"\benviron\.Env\(\)\.\w+" + _NAME),          # environ.Env().str("NAME", ...)
    re.compile(r"\b_required" + _NAME),                       # production.py: _required("NAME")
    re.compile(r"\bos\.environ\.(?:get|setdefault)" + _NAME),
    re.compile(r"\bos\.getenv" + _NAME),
    re.compile(r"""\bos\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
]


def _names_read(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {m.group(1) for pattern in READ_PATTERNS for m in pattern.finditer(text)}


def _application_sources():
    for path in REPO.rglob("*.py"):
        rel = path.relative_to(REPO)
        if rel.parts[0] in NOT_APPLICATION_CODE or rel.parts[0].startswith("."):
            continue
        yield path


def _settings_variables() -> set[str]:
    names = set()
    for path in SETTINGS_DIR.glob("*.py"):
        names |= _names_read(path)
    return names


def _application_variables() -> set[str]:
    names = set()
    for path in _application_sources():
        names |= _names_read(path)
    return names


def _env_example_variables() -> set[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?[ \t]*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_patterns_find_what_the_settings_read():
    # Guards the regexes themselves: if they stopped matching, the tests below would pass vacuously.
    names = _settings_variables()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "NETFLOOX_VAR_DIR", "DATABASE_URL", "REDIS_URL",
            "CELERY_RESULT_BACKEND", "DJANGO_SECURE_HSTS_PRELOAD", "EMAIL_HOST_USER", "EMAIL_USE_SSL",
            "ML_ARTIFACTS_DIR"} <= names
    assert "NETFLOOX_CHROMIUM" in _application_variables()


def test_every_variable_the_settings_read_is_in_env_example():
    missing = (_settings_variables() | _application_variables()) - _env_example_variables()
    assert not missing, f"read by the code but missing from .env.example: {sorted(missing)}"


def test_every_variable_in_env_example_is_read_by_the_code():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in _application_sources())
    stale = {name for name in _env_example_variables()
             if f'"{name}"' not in sources and f"'{name}'" not in sources}
    assert not stale, f"listed in .env.example but read nowhere: {sorted(stale)}"


def test_every_variable_the_settings_read_is_in_the_install_guide():
    guide = (REPO / "docs" / "install.md").read_text(encoding="utf-8")
    missing = {name for name in _settings_variables() | _application_variables() if f"`{name}`" not in guide}
    assert not missing, f"missing from the environment table of docs/install.md: {sorted(missing)}"


def test_production_healthz_is_not_redirected_to_https(tmp_path):
    """A probe over plain HTTP with an allowed Host gets 200 from /healthz; any other page gets a 301."""
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(HTTP_HOST='netfloox.example.com');"
        "h = c.get('/healthz');"
        "print(h.status_code, h.content.decode());"
        "print(c.get('/').status_code, c.get('/healthz', secure=True).status_code,"
        " Client(HTTP_HOST='evil.example').get('/healthz').status_code)"
    )
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "netfloox.settings.production",
        "DJANGO_SECRET_KEY": "k9$Qz!7vT2@pLm4#xW8&nB6^rY1*hJ3(eU5)cF0_aS-dG+iO=lK;wE:qR<tZ>yX",
        "DJANGO_ALLOWED_HOSTS": "netfloox.example.com",
        "NETFLOOX_VAR_DIR": str(tmp_path),  # an empty SQLite file answers SELECT 1
    })
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                       timeout=900)  # a hang guard, not a speed check
    assert r.returncode == 0, r.stderr[-2000:]
    first, second = r.stdout.strip().splitlines()[-2:]
    assert first.replace(" ", "") == '200{"status":"ok"}'
    # other pages still go to https; over https /healthz is fine; an unknown Host is still refused
    assert second.split() == ["301", "200", "400"]
