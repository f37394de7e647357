"""The dependency rules between apps, read from the source (every import, also inside functions).

* `interactions` records what viewers do and announces it (`interactions.signals`); it never
  imports the apps that react (`recommendations`, `popularity`, `analytics`), which subscribe in
  their `AppConfig.ready`.
* The apps the dashboard reads (`catalog`, `interactions`, `recommendations`, `popularity`) never
  import `analytics`: they send `core.signals.data_changed`.
* No code checks whether a module or a function of this project exists yet (`importlib`
  look-ups): every app is here.
"""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("accounts", "analytics", "catalog", "core", "interactions", "netfloox", "popularity", "recommendations")


def _modules(app):
    for path in sorted((REPO / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _violations(app, forbidden):
    out = []
    for path, tree in _modules(app):
        for line, module in _imports(tree):
            if module.split(".")[0] in forbidden:
                out.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return out


def test_interactions_never_imports_the_apps_that_react_to_it():
    assert _violations("interactions", {"recommendations", "popularity", "analytics"}) == []


@pytest.mark.parametrize("app", ["catalog", "interactions", "recommendations", "popularity", "accounts"])
def test_the_apps_the_dashboard_reads_never_import_analytics(app):
    assert _violations(app, {"analytics"}) == []


def test_no_code_looks_up_whether_a_project_module_exists():
    found = []
    for app in APPS:
        for path, tree in _modules(app):
            for line, module in _imports(tree):
                if module.startswith("importlib"):
                    found.append(f"{path.relative_to(REPO)}:{line} imports {module}")
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in {"find_spec", "import_module"}:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno} uses {node.attr}")
    assert found == []


def test_the_rules_see_a_violation():
    """The checker itself: a lazy import inside a function is found."""
    tree = ast.parse("def f():\n    from recommendations.services import refresh\n")
    assert list(_imports(tree)) == [(2, "recommendations.services")]


def test_the_recommender_listens_to_what_interactions_announces():
    from interactions import signals

    for signal in (signals.films_finished, signals.history_changed, signals.retrain_wanted):
        assert signal.has_listeners()


def test_loading_the_urls_does_not_load_the_training_stack():
    """Web workers and every management command (its system checks) load the URLs: scikit-learn,
    pandas and LightFM must wait for a training or a popularity prediction (≈ 1.2 s of start-up
    and ≈ 50 MB of each web worker)."""
    import subprocess
    import sys

    code = ("import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'netfloox.settings.test'; import django; "
            "django.setup(); import netfloox.urls; from django.urls import get_resolver; get_resolver().url_patterns; "
            "print(sorted(m for m in ('sklearn', 'pandas', 'lightfm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
