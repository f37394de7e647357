"""docs/user-stories.md stays true: every story is proved by tests that exist.

Each story is a `### US-NN — …` heading followed by "As a …, I want …, so that …", an
"Acceptance criteria:" bullet list and a "Proved by:" bullet list of references written as
`tests/path/test_file.py::test_name` or `tests/path/test_file.py::TestClass::test_name`
(a parametrize id such as `::test_name[fr]` is allowed and ignored). The checker parses the
referenced test file with `ast` (nothing is imported or run) and reports every reference whose
file, function, class or method does not exist — so renaming or deleting a test that a story
relies on fails this test and names the story.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STORIES = REPO / "docs" / "user-stories.md"

STORY_HEADING = re.compile(r"^###\s+(US-\d+)\b(.*)$")
REFERENCE = re.compile(r"`(tests/[^`\s]+?\.py)::([^`\s]+)`")
SECTION = re.compile(r"^\s*\**(acceptance criteria|proved by)\**\s*:?\s*\**\s*$", re.IGNORECASE)
BULLET = re.compile(r"^\s*[-*]\s+\S")


@dataclass
class Story:
    ident: str
    title: str
    line: int
    text: str = ""
    criteria: list[str] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)


def parse_stories(markdown: str) -> list[Story]:
    """Split the document into stories; collect their criteria and 'Proved by' references."""
    stories: list[Story] = []
    story = None
    section = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        heading = STORY_HEADING.match(line)
        if heading:
            story = Story(ident=heading.group(1), title=heading.group(2).strip(" —-:"), line=number)
            stories.append(story)
            section = None
            continue
        if story is None:
            continue
        if line.startswith("#"):  # any other heading ends the story
            story, section = None, None
            continue
        marker = SECTION.match(line)
        if marker:
            section = marker.group(1).lower()
            continue
        if section is None:
            story.text += " " + line.strip()
        elif section == "acceptance criteria" and BULLET.match(line):
            story.criteria.append(line.strip())
        elif section == "proved by":
            story.references.extend(REFERENCE.findall(line))
    return stories


def _test_names(tree: ast.Module) -> tuple[set[str], dict[str, set[str]]]:
    """Module-level test functions, and each class's test methods (inherited ones from classes of the same module)."""
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def methods(name: str, seen: frozenset = frozenset()) -> set[str]:
        node = classes.get(name)
        if node is None or name in seen:
            return set()
        own = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        for base in node.bases:
            if isinstance(base, ast.Name):
                own |= methods(base.id, seen | {name})
        return own

    return functions, {name: methods(name) for name in classes}


def check_reference(path: str, node_id: str, root: Path) -> str | None:
    """None when `path::node_id` names an existing test, else what is wrong with it."""
    target = (root / path).resolve()
    if root.resolve() not in target.parents:
        return f"{path}: outside the repository"
    if not target.is_file():
        return f"{path}: no such file"
    parts = re.sub(r"\[.*\]$", "", node_id).split("::")
    try:
        tree = ast.parse(target.read_text(encoding="utf-8"), filename=str(target))
    except SyntaxError as exc:
        return f"{path}: does not parse ({exc.msg}, line {exc.lineno})"
    functions, classes = _test_names(tree)
    if len(parts) == 1:
        name = parts[0]
        if not name.startswith("test"):
            return f"{path}::{node_id}: not a test name (pytest collects test_* functions)"
        if name not in functions:
            return f"{path}::{node_id}: no test function {name!r} in that file"
        return None
    if len(parts) == 2:
        cls, method = parts
        if not cls.startswith("Test"):
            return f"{path}::{node_id}: not a test class (pytest collects Test* classes)"
        if cls not in classes:
            return f"{path}::{node_id}: no class {cls!r} in that file"
        if not method.startswith("test"):
            return f"{path}::{node_id}: not a test name (pytest collects test_* methods)"
        if method not in classes[cls]:
            return f"{path}::{node_id}: class {cls!r} has no test method {method!r}"
        return None
    return f"{path}::{node_id}: expected file.py::test_name or file.py::TestClass::test_name"


def check_user_stories(markdown: str, root: Path = REPO) -> list[str]:
    """Every problem found in a user-stories document, one readable line each (empty = all good)."""
    problems = []
    stories = parse_stories(markdown)
    if not stories:
        return ["no story found (expected '### US-NN — title' headings)"]
    seen = {}
    for story in stories:
        where = f"{story.ident} (line {story.line})"
        if story.ident in seen:
            problems.append(f"{where}: duplicate id, also on line {seen[story.ident]}")
        seen.setdefault(story.ident, story.line)
        sentence = " ".join(story.text.split())
        if not re.search(r"\bAs an? .+?, I want .+?, so that .+", sentence):
            problems.append(f"{where}: missing 'As a …, I want …, so that …'")
        if not story.criteria:
            problems.append(f"{where}: no acceptance criteria")
        if not story.references:
            problems.append(f"{where}: no test reference under 'Proved by:'")
        for path, node_id in story.references:
            error = check_reference(path, node_id, root)
            if error:
                problems.append(f"{where}: {error}")
    return problems


# --- the real document -----------------------------------------------------------------------

def test_every_user_story_is_proved_by_tests_that_exist():
    stories = parse_stories(STORIES.read_text(encoding="utf-8"))
    assert len(stories) >= 20, f"expected at least 20 stories in {STORIES}, found {len(stories)}"
    problems = check_user_stories(STORIES.read_text(encoding="utf-8"))
    assert not problems, "docs/user-stories.md is out of date:\n" + "\n".join(problems)


def test_every_persona_has_stories():
    text = " ".join(s.text for s in parse_stories(STORIES.read_text(encoding="utf-8")))
    for persona in ("viewer", "content team", "catalog manager", "ML engineer", "operator", "analyst"):
        assert re.search(rf"\bAs an? {persona}", text, re.IGNORECASE), f"no story 'As a {persona} …'"


# --- the checker itself ------------------------------------------------------------------------

SAMPLE_TEST_FILE = '''
import pytest

def test_plain():
    pass

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_parametrized(lang):
    pass

async def test_async():
    pass

def helper():
    pass

class TestBase:
    def test_inherited(self):
        pass

class TestThing(TestBase):
    def test_method(self):
        pass
'''


def _story(*references: str, ident: str = "US-01") -> str:
    refs = "\n".join(f"- `{r}`" for r in references)
    return (f"### {ident} — A story\n\nAs a viewer, I want a thing, so that I am happy.\n\n"
            f"Acceptance criteria:\n- it works\n\nProved by:\n{refs}\n")


def _sample_repo(tmp_path: Path) -> Path:
    (tmp_path / "tests" / "pkg").mkdir(parents=True)
    (tmp_path / "tests" / "pkg" / "test_sample.py").write_text(SAMPLE_TEST_FILE, encoding="utf-8")
    return tmp_path


def test_checker_accepts_functions_parametrized_tests_async_tests_and_class_methods(tmp_path):
    root = _sample_repo(tmp_path)
    doc = _story("tests/pkg/test_sample.py::test_plain",
                 "tests/pkg/test_sample.py::test_parametrized",
                 "tests/pkg/test_sample.py::test_parametrized[fr]",
                 "tests/pkg/test_sample.py::test_async",
                 "tests/pkg/test_sample.py::TestThing::test_method",
                 "tests/pkg/test_sample.py::TestThing::test_inherited")
    assert check_user_stories(doc, root) == []
    assert len(parse_stories(doc)[0].references) == 6


def test_checker_reports_a_renamed_test_naming_the_story(tmp_path):
    root = _sample_repo(tmp_path)
    doc = _story("tests/pkg/test_sample.py::test_plain") + "\n" + _story(
        "tests/pkg/test_sample.py::test_plain_renamed_since", ident="US-02")
    problems = check_user_stories(doc, root)
    assert len(problems) == 1
    assert problems[0].startswith("US-02 (line ")
    assert "no test function 'test_plain_renamed_since'" in problems[0]


def test_checker_reports_missing_files_classes_methods_and_non_tests(tmp_path):
    root = _sample_repo(tmp_path)
    doc = _story("tests/pkg/test_gone.py::test_plain",
                 "tests/pkg/test_sample.py::TestGone::test_method",
                 "tests/pkg/test_sample.py::TestThing::test_gone",
                 "tests/pkg/test_sample.py::helper",
                 "tests/../../etc/test_x.py::test_plain")
    problems = check_user_stories(doc, root)
    assert len(problems) == 5, problems
    assert "tests/pkg/test_gone.py: no such file" in problems[0]
    assert "no class 'TestGone'" in problems[1]
    assert "class 'TestThing' has no test method 'test_gone'" in problems[2]
    assert "not a test name" in problems[3]
    assert "outside the repository" in problems[4]


def test_checker_requires_a_reference_a_story_sentence_and_criteria(tmp_path):
    root = _sample_repo(tmp_path)
    no_refs = _story()
    assert check_user_stories(no_refs, root) == ["US-01 (line 1): no test reference under 'Proved by:'"]
    bare = "### US-07 — Bare\n\nSomething.\n\nProved by:\n- `tests/pkg/test_sample.py::test_plain`\n"
    assert check_user_stories(bare, root) == [
        "US-07 (line 1): missing 'As a …, I want …, so that …'",
        "US-07 (line 1): no acceptance criteria",
    ]
    assert check_user_stories("# Nothing here\n", root) == [
        "no story found (expected '### US-NN — title' headings)"]
    duplicate = _story("tests/pkg/test_sample.py::test_plain") + _story("tests/pkg/test_sample.py::test_plain")
    assert check_user_stories(duplicate, root) == ["US-01 (line 10): duplicate id, also on line 1"]
