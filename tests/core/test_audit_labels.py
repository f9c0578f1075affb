"""Every audit action has a translated label, so no history page ever shows a raw action code.

The actions are collected from the source: the first argument of every
`audit.record(...)` call (string literals, conditional expressions, local
variables, and parameters filled in by the callers), and every transition of
every registered workflow.
"""
from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from flask_babel import force_locale

from core import audit
from core.extensions import db
from core.workflow import registry
from scripts.messages import IGNORE_DIRS, ROOT

# core/workflow.py records the action of a transition; those come from the workflow registry below.
ENGINE = "core/workflow.py"


class Unresolved(Exception):
    """An action expression the scan cannot turn into fixed strings."""


class Source:
    """The parsed Python modules of the project, with each function's calls at hand."""

    def __init__(self, root: Path):
        self.trees = {}
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(root)
            if relative.parts[0] not in IGNORE_DIRS:
                self.trees[relative.as_posix()] = ast.parse(path.read_text(), str(relative))
        self.parents = {child: parent for tree in self.trees.values() for parent in ast.walk(tree)
                        for child in ast.iter_child_nodes(parent)}

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        """The function a node is written in."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def calls(self, name: str):
        """Every call of a function by this name, as `name(...)` or `something.name(...)`."""
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                    yield node

    def record_calls(self):
        """Every `audit.record(...)` call outside the workflow engine, with its file."""
        for path, tree in self.trees.items():
            if path == ENGINE:
                continue
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "record" and getattr(node.func.value, "id", None) == "audit"):
                    yield path, node

    def strings(self, node: ast.AST) -> set[str]:
        """The strings an action expression can evaluate to."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.strings(node.body) | self.strings(node.orelse)
        if isinstance(node, ast.JoinedStr):
            parts = [self.strings(v.value) if isinstance(v, ast.FormattedValue) else self.strings(v)
                     for v in node.values]
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(node, ast.Name):
            return self._name(node)
        raise Unresolved(ast.unparse(node))

    def _name(self, node: ast.Name) -> set[str]:
        """A local variable's assigned values, or a parameter's arguments at every call of its function."""
        function = self.function_of(node)
        if function is None:
            raise Unresolved(node.id)
        assigned = [n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                    and any(getattr(t, "id", None) == node.id for t in n.targets)]
        if assigned:
            return set().union(*(self.strings(value) for value in assigned))
        params = [a.arg for a in function.args.args]
        if node.id not in params:
            raise Unresolved(node.id)
        position, found = params.index(node.id), set()
        for call in self.calls(function.name):
            given = [k.value for k in call.keywords if k.arg == node.id] or call.args[position:position + 1]
            if not given:
                raise Unresolved(f"{function.name}() called without {node.id}")
            found |= self.strings(given[0])
        return found


def recorded_actions(root: Path) -> dict[str, str]:
    """Every action the code records, with the file that records it."""
    source, actions = Source(root), {}
    for path, call in source.record_calls():
        try:
            names = source.strings(call.args[0])
        except Unresolved as exc:
            raise AssertionError(f"{path}:{call.lineno}: write the audit action as a literal, not {exc}") from exc
        actions.update(dict.fromkeys(names, path))
    return actions


def transition_actions() -> dict[str, str]:
    """Every action of every registered workflow, with the workflow's name."""
    return {t.action: name for name in registry.names() for t in registry.get(name).transitions}


def test_scan_finds_literal_conditional_local_and_parameter_actions(tmp_path):
    (tmp_path / "things.py").write_text(
        "def save(x, first):\n"
        "    audit.record('thing_saved', x)\n"
        "    audit.record('thing_published' if first else 'thing_kept', x)\n"
        "    kind = 'thing_checked'\n"
        "    audit.record(kind, x)\n"
        "\n"
        "def refuse(x, action):\n"
        "    audit.record(f'{action}_refused', x)\n"
        "\n"
        "refuse(1, 'delete')\n"
        "refuse(2, action='change')\n")
    assert set(recorded_actions(tmp_path)) == {"thing_saved", "thing_published", "thing_kept", "thing_checked",
                                               "delete_refused", "change_refused"}


def test_scan_refuses_an_action_it_cannot_read(tmp_path):
    (tmp_path / "things.py").write_text("def save(x):\n    audit.record(x.kind, x)\n")
    with pytest.raises(AssertionError, match="things.py:2"):
        recorded_actions(tmp_path)


def test_every_recorded_action_has_a_label(app):
    actions = recorded_actions(ROOT)
    assert len(actions) > 40  # the scan sees the whole code base
    missing = sorted(f"{action} ({path})" for action, path in actions.items()
                     if action not in audit.action_labels())
    assert not missing, f"register a label for these audit actions: {missing}"


def test_every_workflow_transition_has_a_label(app):
    missing = sorted(f"{action} ({name})" for action, name in transition_actions().items()
                     if action not in audit.action_labels())
    assert not missing, f"register a label for these workflow actions: {missing}"


def test_action_label_falls_back_to_a_generic_label(app):
    with force_locale("fi"):
        assert str(audit.action_label("rfi_question_added")) == "Tietopyynnön kysymys lisätty"
        assert str(audit.action_label("no_such_action")) == "Muu tapahtuma"


def test_an_action_cannot_get_two_labels(app):
    with pytest.raises(ValueError, match="rfi_question_added"):
        audit.register_action_labels({"rfi_question_added": "Something else"})


def test_challenge_history_shows_labels_in_the_reader_language(client, make_org, make_user, login):
    from auth.models import OrgKind
    from auth.roles import Role
    from challenges.services.challenges import create_challenge

    city = make_org(OrgKind.CITY.value)
    officer = make_user(city, (Role.OFFICER.value,), name="Olli Officer")
    challenge = create_challenge(city, officer, "challenge.with_dialogue.v1", "paid", "Sisäilma", "Ilmanlaatu.")
    audit.record("rfi_question_added", challenge, officer, data={"rfi_question_id": 1})
    audit.record("challenge_updated", challenge, None, data={"fields": ["problem"]})
    audit.record("mystery_action", challenge, officer)
    db.session.commit()
    login(officer)
    expected = {"fi": ("Historia", "Luotu", "Tietopyynnön kysymys lisätty", "Muutettu: ongelmakuvaus", "järjestelmä",
                       "Muu tapahtuma"),
                "sv": ("Historik", "Skapad", "En fråga lades till i informationsbegäran", "Ändrat: problembeskrivning",
                       "systemet", "Annan händelse")}
    for locale, words in expected.items():
        officer.locale = locale
        db.session.commit()
        html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
        assert [word for word in words if word not in html] == [], locale
        assert "rfi_question_added" not in html and "mystery_action" not in html
