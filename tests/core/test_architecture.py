"""The code map, enforced: apps as layers, no circle between files (read from the source).

The order of layers is written once, in the "Code map" table of `docs/architecture.md`; these
tests read that table. An app may use only apps of a lower layer: an `import` (also inside a
function), a relative import, or a model named by string (`ForeignKey("catalog.Title")`,
`apps.get_model("catalog", "Title")`) of an app of the same or a higher layer is a violation.
Where a lower layer must trigger a higher one it sends a signal that the higher app connects in
its `AppConfig.ready` (`interactions.signals`, `core.signals`, `catalog.signals`).

Between files, whatever their app: no circle of imports (also counting imports inside
functions). And no code looks up whether a module of this project exists (`importlib`): every
app is installed.
"""
import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CODE_MAP = REPO / "docs" / "architecture.md"
FIELD_CALLS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


# --- the map ----------------------------------------------------------------------------------
def code_map(text: str | None = None) -> dict[str, int]:
    """{app: layer} from the table between the code-map markers of docs/architecture.md."""
    text = CODE_MAP.read_text(encoding="utf-8") if text is None else text
    body = text.split("<!-- code-map:start -->", 1)[1].split("<!-- code-map:end -->", 1)[0]
    layers = {}
    for line in body.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", line)
        if m:
            layers[m.group(2)] = int(m.group(1))
    return layers


def may_import_column(text: str | None = None) -> dict[str, set[str]]:
    """{app: the apps its "may import" cell names}."""
    text = CODE_MAP.read_text(encoding="utf-8") if text is None else text
    body = text.split("<!-- code-map:start -->", 1)[1].split("<!-- code-map:end -->", 1)[0]
    out = {}
    for line in body.splitlines():
        m = re.match(r"\|\s*\d+\s*\|\s*`(\w+)`\s*\|.*\|(.*)\|\s*$", line)
        if m:
            out[m.group(1)] = set(re.findall(r"`(\w+)`", m.group(2)))
    return out


# --- reading the source -----------------------------------------------------------------------
def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(apps, root: Path = REPO):
    """{module name: (path, ast)} of every Python file of these apps (migrations aside: they are
    Django's record of the schema, and name other apps' migrations by design)."""
    out = {}
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                out[module_name(path, root)] = (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return out


def uses(module: str, path: Path, tree: ast.AST):
    """(line, dotted name) for everything the module uses of other modules: imports (absolute and
    relative, at any depth) and models named by string ("app.Model"), as "app.models"."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield node.lineno, target
            for alias in node.names:  # `from pkg import module` uses pkg.module
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            args += [k.value for k in node.keywords if k.arg == "to" and isinstance(k.value, ast.Constant)
                     and isinstance(k.value.value, str)]
            if name in FIELD_CALLS and args and "." in args[0].value:
                yield node.lineno, args[0].value.split(".")[0] + ".models"
            elif name == "get_model" and args:
                yield node.lineno, args[0].value.split(".")[0] + ".models"


def layer_violations(layers: dict[str, int], mods) -> list[str]:
    """One line per (file, line, app used) against the order."""
    out = {}
    for module, (path, tree) in mods.items():
        app = module.split(".")[0]
        for line, target in uses(module, path, tree):
            other = target.split(".")[0]
            if other != app and other in layers and layers[other] >= layers[app]:
                where = "beside" if layers[other] == layers[app] else "above"
                shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                out.setdefault((str(shown), line, other),
                               f"{shown}:{line} imports {target} ({other}, layer {layers[other]}, "
                               f"is {where} {app}, layer {layers[app]})")
    return [out[k] for k in sorted(out)]


def file_circles(mods) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph = defaultdict(set)
    for module, (path, tree) in mods.items():
        for _line, target in uses(module, path, tree):
            if target in mods and target != module:
                graph[module].add(target)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(mods):
        if v not in index:
            visit(v)
    return sorted(groups)


# --- the rules --------------------------------------------------------------------------------
def test_every_app_is_on_the_code_map():
    from django.apps import apps

    ours = {c.name for c in apps.get_app_configs() if (REPO / c.name).is_dir()} | {"netfloox"}
    assert set(code_map()) == ours


def test_the_may_import_column_says_the_rule():
    """The table's "may import" cell of each app lists exactly the apps of the layers below it."""
    layers = code_map()
    for app, cell in may_import_column().items():
        assert cell == {a for a, n in layers.items() if n < layers[app]}, app


def test_no_app_uses_an_app_of_its_layer_or_above():
    layers = code_map()
    assert layer_violations(layers, sources(layers)) == []


def test_no_circle_between_files():
    assert file_circles(sources(code_map())) == []


def test_no_code_looks_up_whether_a_project_module_exists():
    found = []
    for module, (path, tree) in sources(code_map()).items():
        for line, target in uses(module, path, tree):
            if target.startswith("importlib"):
                found.append(f"{path.relative_to(REPO)}:{line} imports {target}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"find_spec", "import_module"}:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} uses {node.attr}")
    assert found == []


# --- the checker itself: each rule sees what it must ------------------------------------------
@pytest.fixture
def tree_of(tmp_path):
    def make(files: dict[str, str]):
        for name, text in files.items():
            p = tmp_path / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        mods = {}
        for path in sorted(tmp_path.rglob("*.py")):
            mods[module_name(path, tmp_path)] = (path, ast.parse(path.read_text()))
        return mods
    return make


def test_the_map_is_read_from_its_table():
    text = ("x\n<!-- code-map:start -->\n| layer | app | job | may import |\n|---|---|---|---|\n"
            "| 1 | `low` | bottom | nothing |\n| 2 | `high` | top | `low` |\n<!-- code-map:end -->\n| 3 | `no` | x | y |")
    assert code_map(text) == {"low": 1, "high": 2}
    assert may_import_column(text) == {"low": set(), "high": {"low"}}


def test_the_checker_sees_an_import_upwards_inside_a_function(tree_of):
    mods = tree_of({"low/__init__.py": "", "low/a.py": "def f():\n    from high import b\n",
                    "high/__init__.py": "", "high/b.py": "from low import a\n"})
    assert len(layer_violations({"low": 1, "high": 2}, mods)) == 1
    assert "imports high" in layer_violations({"low": 1, "high": 2}, mods)[0]


def test_the_checker_sees_an_import_between_apps_of_one_layer(tree_of):
    mods = tree_of({"left/__init__.py": "", "left/a.py": "import right.b\n",
                    "right/__init__.py": "", "right/b.py": ""})
    assert "is beside left" in layer_violations({"left": 5, "right": 5}, mods)[0]


def test_the_checker_sees_a_model_named_by_string(tree_of):
    mods = tree_of({"low/__init__.py": "",
                    "low/models.py": "from django.db import models\n\nclass A(models.Model):\n"
                                     "    b = models.ForeignKey('high.B', on_delete=models.CASCADE)\n"
                                     "    c = models.ManyToManyField(to='high.C')\n",
                    "high/__init__.py": ""})
    assert len(layer_violations({"low": 1, "high": 2}, mods)) == 2


def test_the_checker_sees_a_circle_through_a_relative_import(tree_of):
    mods = tree_of({"app/__init__.py": "", "app/services.py": "def f():\n    from .tasks import t\n",
                    "app/tasks.py": "from app import services\n", "app/other.py": "from . import services\n"})
    assert file_circles(mods) == [["app.services", "app.tasks"]]


# --- what crosses layers upwards: signals the higher apps connect -----------------------------
def test_the_apps_above_listen_to_what_the_lower_ones_announce():
    from catalog.signals import titles_merging
    from core.signals import data_changed, training_requested
    from interactions import signals

    for signal in (signals.films_finished, signals.history_changed, signals.retrain_wanted, data_changed,
                   titles_merging):
        assert signal.has_listeners()
    answers = [a for _r, a in training_requested.send(sender=None, name="nothing", reason="test")]
    assert answers == [False, False]  # the recommender and popularity apps each answer for their own model


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
