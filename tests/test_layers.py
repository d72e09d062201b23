"""The package's rooms have one-way doors: no import cycle, and only the adapter imports durable."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from checker.config import PACKAGE_DIR


def _modules() -> dict[str, Path]:
    """Every module of checker/ by dotted name."""
    found = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        found[".".join(parts).removesuffix(".__init__")] = path
    return found


def _imports(path: Path, name: str) -> set[str]:
    """Modules this file imports anywhere (functions included), except under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(sub) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for sub in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return out


def _graph() -> dict[str, set[str]]:
    """Module -> modules it loads: importing a.b.c also runs a.b's __init__ (the importer's own packages aside)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = {t for t in _imports(path, name) if t in modules}
        loaded = {".".join(t.split(".")[:n]) for t in targets for n in range(2, t.count(".") + 2)}
        graph[name] = {t for t in loaded & modules.keys() if not (name.startswith(t + ".") or t == name)}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


LAYERS: tuple[tuple[str, ...], ...] = (  # lowest first: a unit imports its own modules and lower layers' only
    ("checker", "checker.config", "checker.i18n", "checker.forked", "checker.csv_halves"),
    ("checker.problems",),
    ("checker.rules",),  # the pack, its expression language and the parsing of answers by declared type
    ("checker.engine",),
    ("checker.intake", "checker.report", "checker.guard", "checker.models", "checker.db"),
    ("checker.columns", "checker.ruletest"),
    ("checker.sheets", "checker.accounts", "checker.company", "checker.jobs"),  # services every area shares
    ("checker.batch", "checker.alerts"),
    ("checker.sample_check",),  # the engine's re-check of a batch's sampled rows, in a forked process
    ("checker.batch_columnar",),  # the columnar writer of `checker batch`, built on batch
    ("checker.batch_table",),  # `checker batch` of a CSV read a column at a time, in two halves on two cores
    ("checker.agency",),
    ("checker.staff",),  # its impact previews read agency clients; agency never reads staff
    ("checker.db_models",),  # the model registry: imports every area's tables
    ("checker.web",),
    ("checker.cli",),
)
WEB_DOORS = {  # inside the web layer: the areas share the sign-in pages and the web core, not each other
    "checker.web.accounts": set(),
    "checker.web.agency": {"checker.web.accounts"},
    "checker.web.staff": {"checker.web.accounts"},
}


def _unit(name: str, units: Iterable[str]) -> str | None:
    """The declared unit a module belongs to: the longest declared name it is or lies under (the bare package
    `checker` is its __init__ alone, so a new top-level module must be declared)."""
    found = [u for u in units if name == u or (name.startswith(u + ".") and u != "checker")]
    return max(found, key=len) if found else None


def _layer_violations(graph: dict[str, set[str]], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """Imports of a unit in the same or a higher layer (another unit), and modules in no declared unit."""
    rank = {unit: i for i, names in enumerate(layers) for unit in names}
    found = []
    for name in sorted(graph):
        source = _unit(name, rank)
        if source is None:
            found.append(f"{name}: in no declared layer")
            continue
        for target in sorted(graph[name]):
            dest = _unit(target, rank)
            if dest is not None and dest != source and rank[dest] >= rank[source]:
                found.append(f"{name} -> {target}: layer {rank[source]} imports layer {rank[dest]}")
    return found


def _door_violations(graph: dict[str, set[str]], doors: dict[str, set[str]]) -> list[str]:
    """Imports from one declared sub-unit into another that its doors do not allow (the web core wires them all)."""
    found = []
    for name in sorted(graph):
        source = _unit(name, doors)
        for target in sorted(graph[name]):
            dest = _unit(target, doors)
            if source is not None and dest is not None and dest != source and dest not in doors[source]:
                found.append(f"{name} -> {target}")
    return found


def test_every_module_imports_only_lower_layers() -> None:
    assert _layer_violations(_graph(), LAYERS) == []


FORKING = ("checker.batch_table", "checker.csv_halves", "checker.sample_check", "checker.forked")


def test_only_the_command_line_reaches_the_modules_that_fork() -> None:
    """The CLI batch forks (its second half, its re-check): a web or job process runs threads, whose locks a fork
    would copy held, so no module of the web app, the agency or staff services reaches a module that forks."""
    graph = _graph()
    threaded = ("checker.web", "checker.agency", "checker.staff", "checker.jobs", "checker.alerts")
    found = [f"{name} -> {target}" for name in sorted(graph) if name.startswith(threaded)
             for target in sorted(graph[name]) if target.startswith(FORKING)]
    assert found == []


def test_the_web_areas_meet_only_at_the_sign_in() -> None:
    assert _door_violations(_graph(), WEB_DOORS) == []


def test_the_layer_check_sees_function_level_imports_and_undeclared_modules(tmp_path: Path) -> None:
    source = tmp_path / "batch.py"
    source.write_text("def f():\n    from checker.agency import export\n", encoding="utf-8")
    found = _imports(source, "checker.batch")
    assert "checker.agency.export" in found
    layers = (("checker.batch",), ("checker.agency",))
    assert _layer_violations({"checker.batch": found, "checker.agency": set(), "checker.x": set()}, layers) == [
        "checker.batch -> checker.agency: layer 0 imports layer 1",
        "checker.batch -> checker.agency.export: layer 0 imports layer 1", "checker.x: in no declared layer"]
    assert _layer_violations({"checker.agency": {"checker.batch"}, "checker.batch": set()}, layers) == []
    doors = {"checker.web.staff": {"checker.web.accounts"}, "checker.web.agency": set(), "checker.web.accounts": set()}
    graph = {"checker.web.staff.views": {"checker.web.agency.common", "checker.web.accounts.views"}}
    assert _door_violations(graph, doors) == ["checker.web.staff.views -> checker.web.agency.common"]


def test_the_checker_package_has_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_adapter_imports_durable() -> None:
    engine = ("durable", "durable_rules_engine")
    importers = {name for name, path in _modules().items() if any(t.split(".")[0] in engine for t in _imports(path, name))}
    assert importers == {"checker.engine.durable_adapter"}


def _imported_by(prefix: str) -> set[str]:
    """The checker modules that modules under `prefix` import."""
    return {t for name, path in _modules().items() if name == prefix or name.startswith(prefix + ".")
            for t in _imports(path, name) if t.startswith("checker.")}


def test_rules_import_nothing_above_them() -> None:
    above = ("checker.engine", "checker.intake", "checker.web", "checker.agency", "checker.staff", "checker.ruletest",
             "checker.batch", "checker.columns", "checker.cli", "checker.accounts")
    assert sorted(t for t in _imported_by("checker.rules") if t.startswith(above)) == []


def test_only_the_engine_and_the_tests_use_the_reference_walker() -> None:
    users = {name for name, path in _modules().items() if not name.startswith("checker.engine")
             and any(t.startswith("checker.engine.reference") for t in _imports(path, name))}
    assert users == set()


def _private_reaches(name: str, path: Path) -> list[str]:
    """Private names (`_x`) this module imports from another checker package, or reads off an object not its own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = [f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and (node.module or "").startswith("checker") and not (node.module or "").startswith(package)
             for alias in node.names if alias.name.startswith("_")]
    ours = {"self", "cls"}
    found += [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Attribute)
              and node.attr.startswith("_") and not node.attr.startswith("__") and not node.attr.startswith("_get_current")
              and not node.attr.startswith("_user_callback")  # Flask-Login's own protocol, not another package of ours
              and not (isinstance(node.value, ast.Name) and node.value.id in ours)]
    return found


def test_the_web_layer_reaches_no_private_name_across_packages() -> None:
    reaches = {name: _private_reaches(name, path) for name, path in _modules().items() if name.startswith("checker.web")}
    assert {name: found for name, found in reaches.items() if found} == {}


def test_accounts_live_in_the_accounts_package_and_agency_keeps_no_copy() -> None:
    from checker.accounts import models as accounts_models
    from checker.agency import models as agency_models
    from checker.agency import state_models

    tables = {"Agency": "agency", "User": "app_user", "UserSession": "user_session", "ApiToken": "api_token",
              "LoginFailure": "login_failure"}
    assert {name: getattr(accounts_models, name).__tablename__ for name in tables} == tables
    assert [name for name in tables if hasattr(agency_models, name) or hasattr(state_models, name)] == []
    assert not [name for name in _modules() if name.startswith("checker.agency.") and name.rsplit(".", 1)[1] in
                {"accounts", "sessions", "throttle"}]
    assert {t for t in _imported_by("checker.accounts") if t.startswith(("checker.agency", "checker.staff"))} == set()
