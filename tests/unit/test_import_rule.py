"""The import rule: data flows ingest -> validate -> reconcile -> publish -> portal, and code
imports only along that flow. A step may import the steps before it and the shared foundation
(contract, publication, layout, errors, db, reference data), never a step after it; the commands
that run the steps (steps, runner, cli, ...) stand above them all. DAG files import only `pipeline.steps`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Shared by every step; imports nothing but itself.
FOUNDATION = {
    "__init__",
    "contract",
    "layout",
    "errors",
    "db",
    "reference",
    "spreadsheet",
    "publication",
    "search_terms",
}
# The steps in the order data flows through them: each may import those of the same or a lower rank.
FLOW = {
    "ingest": 1,
    "validate": 2,
    "quality": 2,  # the data quality report: validation writes it, publish copies it
    "reconcile": 3,
    "linkage": 3,  # worker matching, a part of reconcile; the portal records decisions through it
    "publish": 4,
    "portal": 5,
}
# What runs the steps, or stands beside them (the demo generator): may import anything.
COMMANDS = {
    "steps",
    "orchestration",
    "runner",
    "cli",
    "claim",
    "storage",
    "summaries",
    "demo",
    "celery_config",
}


def _package(path: Path) -> str:
    parts = path.relative_to(REPO / "pipeline").with_suffix("").parts
    return parts[0]


def _pipeline_imports(path: Path) -> set[str]:
    """The `pipeline` packages a file imports, anywhere in it (imports inside functions count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("pipeline.")}
    return found


PIPELINE_FILES = sorted((REPO / "pipeline").rglob("*.py"))


def test_every_package_has_a_place() -> None:
    unplaced = {_package(p) for p in PIPELINE_FILES} - FOUNDATION - set(FLOW) - COMMANDS
    assert not unplaced, f"give {sorted(unplaced)} a place in the import rule"


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_imports_up_the_flow(path: Path) -> None:
    package = _package(path)
    if package in COMMANDS:
        return
    imported = _pipeline_imports(path) - {package}
    if package in FOUNDATION:
        assert imported <= FOUNDATION, f"the foundation imports a step: {sorted(imported - FOUNDATION)}"
        return
    upward = {name for name in imported - FOUNDATION if FLOW.get(name, 99) > FLOW[package]}
    assert not upward, f"{package} imports {sorted(upward)}, later in the data flow"


@pytest.mark.parametrize("path", sorted((REPO / "dags").glob("*.py")), ids=lambda p: p.name)
def test_dag_files_import_only_the_steps_and_their_orchestration(path: Path) -> None:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules |= {a.name for a in node.names if a.name.startswith("pipeline")}
    allowed = {m for m in modules if m == "pipeline.steps" or m.startswith("pipeline.orchestration")}
    assert modules == allowed, f"{path.name} imports {sorted(modules - allowed)}"
