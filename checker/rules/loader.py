"""Load rules/ into a RulePack, collecting every error with its file, line and key."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from checker.config import seeds_dir
from checker.i18n import N_
from checker.problems import Problem, ProblemError
from checker.rules import expr as ex
from checker.rules.errors import RulePackError as RulePackError  # the loader raises it; importers name it here too
from checker.rules.messages import key_parents, misplaced, number_fix, schema_keys, unknown, yaml_trap
from checker.rules.numbers import unquoted_numbers
from checker.rules.pack import (
    Check,
    Criterion,
    DerivedValue,
    Folder,
    LogicTree,
    Measure,
    RulePack,
    build_logic,
    logic_refs,
)
from checker.rules.parameters import Parameter, ParametersFile
from checker.rules.schema import DerivedFile, FieldDecl, FieldsFile, IndexFile, MeasureFile, Section
from checker.rules.typecheck import BOOL, DATE, NUMBER, TEXT, NameType, check
from checker.rules.versions import DateRange, expand, has_versions
from checker.rules.windows import Window, WindowsFile
from checker.rules.yamlsrc import Document, Loc, RuleError, load_file

M = TypeVar("M", bound=BaseModel)
FILE_MODELS = (DerivedFile, FieldsFile, IndexFile, MeasureFile, ParametersFile, WindowsFile)
KNOWN_KEYS = schema_keys(*FILE_MODELS) | {"versions"}
KEY_PARENTS = key_parents(*FILE_MODELS)  # where each known key is written, for a key in the wrong place
# What a value of the wrong type should have been, as _schema_problem names it.
SCHEMA_WORDS = {"string": N_("lint.schema.string"), "int": N_("lint.schema.int"), "float": N_("lint.schema.float"),
                "bool": N_("lint.schema.bool"), "date": N_("lint.schema.date"), "list": N_("lint.schema.list"),
                "dict": N_("lint.schema.dict")}
FieldsDoc = tuple[Document, FieldsFile]  # a fields file and its parsed content
MONEY_NEEDS_AMOUNT = ("cash", "tax_saving", "financing")  # a deduction's amount is the expense, read from the profile
TYPE_OF_FIELD = {"int": NUMBER, "decimal": NUMBER, "bool": BOOL, "enum": TEXT, "text": TEXT, "date": DATE}


def _validate(doc: Document, model: type[M], errors: list[RuleError]) -> M | None:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(_pydantic_error(doc, err))
        return None


def _pydantic_error(doc: Document, err: Any) -> RuleError:
    loc = tuple(part for part in err["loc"] if _is_key(part))
    if err["type"] == "extra_forbidden":
        return doc.error(loc, _unknown_key(doc, loc, err["loc"][-1]))
    if err["loc"][-1:] == ("[key]",):  # a number where a key should be: 5,000 split inside { }
        return doc.error(loc, _unknown_key(doc, loc, err.get("input")))
    if err["type"] == "missing":
        return doc.error(loc[:-1], Problem("lint.missing_key", {"key": loc[-1]}))
    return doc.error(loc, _schema_problem(err))


def _schema_problem(err: Any) -> Problem:
    """A value the schema refuses: pydantic's English text, and in Chinese what kind of value was wanted."""
    if err["type"] == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        return Problem("lint.schema_choice", {"text": err["msg"], "expected": expected.replace(" or ", ", ")})
    error = err.get("ctx", {}).get("error")
    if isinstance(error, ProblemError):  # a model's own check ("'closes' is before 'opens'")
        return Problem("lint.schema_rule", {"text": err["msg"], "reason": error.problem})
    wanted = err["type"].split("_")[0]
    fix = number_fix(err.get("input")) if wanted in ("int", "float") else None
    if fix is not None:
        return fix
    if wanted in SCHEMA_WORDS:
        return Problem("lint.schema_type", {"text": err["msg"], "wanted": Problem(SCHEMA_WORDS[wanted])})
    return Problem("lint.schema", {"text": err["msg"]})


def _unknown_key(doc: Document, loc: Loc, raw: Any) -> Problem:
    """An unknown key in words: a value split by a comma inside { } (a number's thousands separator or a text's
    comma), else the closest known key."""
    key = str(raw)
    if not re.fullmatch(r"[A-Za-z_][\w\-]*", key):
        return yaml_trap(doc.text, doc.line(loc))[1] if doc.text else Problem("lint.unknown_key", {"name": key})
    if key in KNOWN_KEYS:
        return misplaced(key, KEY_PARENTS) or Problem("lint.unknown_key", {"name": key})
    return unknown("lint.unknown_key", key, KNOWN_KEYS)


def _is_key(part: Any) -> bool:
    return isinstance(part, int) or (isinstance(part, str) and part[:1].islower() or part == "not")


class _Loader:
    def __init__(self, root: Path, seeds: Path) -> None:
        self.root = root
        self.seeds_dir = seeds
        self.errors: list[RuleError] = []
        self.digest = hashlib.sha256()
        self.seeds: dict[str, str | None] = {}
        self.files: dict[str, str] = {}  # every rule file read, by its path under root: what the version hashes

    def doc(self, path: Path) -> Document | None:
        data = path.read_bytes()
        self.digest.update(str(path.relative_to(self.root)).encode() + b"\0" + data)
        self.files[path.relative_to(self.root).as_posix()] = data.decode("utf-8", errors="replace")
        loaded = load_file(path, self.root)
        if isinstance(loaded, RuleError):
            self.errors.append(loaded)
            return None
        return loaded

    def seed_text(self, seed: str) -> str | None:
        if seed not in self.seeds:
            found = sorted(self.seeds_dir.glob(f"{seed}_*.txt"))
            self.seeds[seed] = _squash(found[0].read_text(encoding="utf-8")) if found else None
        return self.seeds[seed]

    def expr(self, doc: Document, loc: Loc, text: Any, env: dict[str, NameType], want: str) -> ex.Node | None:
        if not isinstance(text, str):
            self.errors.append(doc.error(loc, Problem("lint.expr_not_text")))
            return None
        try:
            node = ex.parse(text)
            check(node, env, want)
            return node
        except ex.ExprError as err:
            where = {"reason": err.problem, "expr": text, "column": err.column + 1}
            self.errors.append(doc.error(loc, Problem("lint.in_expression", where)))
            return None


def load_pack(root: Path, seeds: Path | None = None) -> RulePack:
    """Load and lint every rule file under root (quotes checked against seeds, by default `config.seeds_dir(root)`);
    raise RulePackError listing all errors."""
    loader = _Loader(root, seeds if seeds is not None else seeds_dir(root))
    fields, sections, field_docs = _load_fields(loader)
    if loader.errors:  # every expression reads fields: report these first
        raise RulePackError(loader.errors)
    env = {name: NameType(TYPE_OF_FIELD[d.type], tuple(c.value for c in d.values or ())) for name, d in fields.items()}
    env["as_of"] = NameType(DATE)
    parameters = _load_parameters(loader, env)
    derived = _load_derived(loader, env)
    checks = _load_checks(loader, field_docs, env)
    _check_asked_when(loader, field_docs, env)
    pack = RulePack(fields, sections, derived, checks, [], "", types=env, parameters=parameters)
    measures, folders, versions = _load_measures(loader, env)
    pack.versions = {mid: tuple(_annotate(pack, v) for v in found) for mid, found in versions.items()}
    pack.measures = [pack.versions[m.id][-1] if m.id in pack.versions else _annotate(pack, m) for m in measures]
    pack.folders = folders
    pack.index = {m.id: m for m in pack.measures}
    _check_relations(loader, measures, _measure_files(root))
    pack.windows = _load_windows(loader, _measure_files(root))
    if not loader.errors:
        from checker.rules.examples import lint_examples
        from checker.rules.textlint import lint_texts

        loader.errors.extend(lint_examples(pack))
        loader.errors.extend(lint_texts(pack))
    if loader.errors:
        raise RulePackError(loader.errors)
    pack.version, pack.files = loader.digest.hexdigest()[:12], loader.files
    return pack


def _display(pack: RulePack, test: ex.Node) -> str:
    if not isinstance(test, ex.Compare):
        return "none"
    kind = check(test.left, pack.types)
    return {NUMBER: "number", DATE: "date"}.get(kind, "value")


def _annotate(pack: RulePack, measure: Measure) -> Measure:
    criteria = tuple(replace(c, fields=pack.field_closure(c.test), display=_display(pack, c.test)) for c in measure.criteria)
    derived = tuple(sorted(n for n in measure.reads if n in pack.derived))
    return replace(measure, criteria=criteria, derived_reads=derived)


def _load_fields(loader: _Loader) -> tuple[dict[str, FieldDecl], list[Section], list[FieldsDoc]]:
    fields: dict[str, FieldDecl] = {}
    sections: list[Section] = []
    docs: list[FieldsDoc] = []
    for path in sorted((loader.root / "fields").glob("*.yaml")):
        doc = loader.doc(path)
        parsed = _validate(doc, FieldsFile, loader.errors) if doc else None
        if doc is None or not parsed:
            continue
        docs.append((doc, parsed))
        sections.extend(parsed.sections)
        for i, decl in enumerate(parsed.fields):
            if decl.id in fields:
                loader.errors.append(doc.error(("fields", i, "id"), Problem("lint.field_twice", {"name": decl.id})))
            fields[decl.id] = decl
    known_sections = {s.id for s in sections}
    for doc, parsed in docs:
        for i, decl in enumerate(parsed.fields):
            if decl.section not in known_sections:
                loader.errors.append(doc.error(("fields", i, "section"), Problem("lint.unknown_section", {"name": decl.section})))
    if not fields and not loader.errors:
        loader.errors.append(RuleError(str(loader.root / "fields"), 1, "", Problem("lint.no_fields")))
    return fields, sorted(sections, key=lambda s: s.order), docs


def _load_parameters(loader: _Loader, env: dict[str, NameType]) -> dict[str, Parameter]:
    """rules/parameters/*.yaml: each parameter a number that expressions read by name."""
    found: dict[str, Parameter] = {}
    for path in sorted((loader.root / "parameters").glob("*.yaml")):
        doc = loader.doc(path)
        parsed = _validate(doc, ParametersFile, loader.errors) if doc else None
        if doc is None or not parsed:
            _declare_anyway(doc, env)
            continue
        for i, decl in enumerate(parsed.parameters):
            if decl.id in env or decl.id in found:
                loader.errors.append(doc.error(("parameters", i, "id"), Problem("lint.parameter_taken", {"name": decl.id})))
                continue
            lines = tuple(doc.line(("parameters", i, "values", j)) for j in range(len(decl.values)))
            found[decl.id] = Parameter(decl, doc.file, doc.line(("parameters", i)), lines)
            env[decl.id] = NameType(NUMBER)
    return found


def _declare_anyway(doc: Document | None, env: dict[str, NameType]) -> None:
    """The ids of a parameters file with errors still name numbers, so measures reading them get no cascade errors."""
    items = doc.data.get("parameters") if doc is not None and isinstance(doc.data, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in env:
            env[item["id"]] = NameType(NUMBER)


def _load_derived(loader: _Loader, env: dict[str, NameType]) -> dict[str, DerivedValue]:
    path = loader.root / "derived.yaml"
    doc = loader.doc(path) if path.exists() else None
    parsed = _validate(doc, DerivedFile, loader.errors) if doc else None
    derived: dict[str, DerivedValue] = {}
    if doc is None or not parsed:
        return derived
    for i, item in enumerate(parsed.derived):  # in file order: each may use those above it
        if item.id in env:
            loader.errors.append(doc.error(("derived", i, "id"), Problem("lint.derived_taken", {"name": item.id})))
            continue
        node = loader.expr(doc, ("derived", i, "expr"), item.expr, env, item.type)
        if node is not None:
            derived[item.id] = DerivedValue(item, node)
        env[item.id] = NameType(item.type)  # declared even when its expression is wrong: no cascade into measures
    return derived


def _load_checks(loader: _Loader, docs: list[FieldsDoc], env: dict[str, NameType]) -> list[Check]:
    checks = []
    for doc, parsed in docs:
        for i, item in enumerate(parsed.checks):
            node = loader.expr(doc, ("checks", i, "test"), item.test, env, BOOL)
            missing = [f for f in item.fields if f not in env]
            if missing:
                loader.errors.append(doc.error(("checks", i, "fields"), Problem("lint.unknown_fields", {"names": missing})))
            if node is not None:
                checks.append(Check(item, node))
    return checks


def _check_asked_when(loader: _Loader, docs: list[FieldsDoc], env: dict[str, NameType]) -> None:
    for doc, parsed in docs:
        for i, decl in enumerate(parsed.fields):
            if decl.asked_when is not None:
                loader.expr(doc, ("fields", i, "asked_when"), decl.asked_when, env, BOOL)


def _load_measures(loader: _Loader, env: dict[str, NameType]
                   ) -> tuple[list[Measure], dict[str, Folder], dict[str, tuple[Measure, ...]]]:
    measures: list[Measure] = []
    versions: dict[str, tuple[Measure, ...]] = {}
    folders: dict[str, Folder] = {}
    seen: dict[str, str] = {}
    base = loader.root / "measures"
    for folder in sorted(p for p in base.rglob("*") if p.is_dir()) if base.exists() else []:
        files = sorted(p for p in folder.glob("*.yaml") if p.name != "index.yaml")
        index = _load_index(loader, folder, files)
        if index is not None:
            folders[str(folder.relative_to(base))] = {"title": index.title, "description": index.description,
                                                      "measures": index.measures}
        for path in files:
            found = _load_measure(loader, path, env)
            if not found:
                continue
            measure = found[-1]  # the latest version stands for the measure
            if measure.id in seen:
                twice = Problem("lint.measure_twice", {"name": measure.id, "other": seen[measure.id]})
                loader.errors.append(RuleError(measure.file, 1, "id", twice))
            seen[measure.id] = measure.file
            measures.append(measure)
            if measure.version is not None:
                versions[measure.id] = tuple(found)
    if not measures and not loader.errors:
        loader.errors.append(RuleError(str(base), 1, "", Problem("lint.no_measures")))
    return measures, folders, versions


def _load_index(loader: _Loader, folder: Path, files: list[Path]) -> IndexFile | None:
    path = folder / "index.yaml"
    if not path.exists():
        if files:
            loader.errors.append(RuleError(str(path.relative_to(loader.root.parent)), 1, "", Problem("lint.no_index")))
        return None
    doc = loader.doc(path)
    index = _validate(doc, IndexFile, loader.errors) if doc else None
    if doc is not None and index:
        stems = [p.stem for p in files]
        if sorted(index.measures) != sorted(stems):
            loader.errors.append(doc.error(("measures",), Problem("lint.index_measures", {"stems": stems})))
    return index


def _load_measure(loader: _Loader, path: Path, env: dict[str, NameType]) -> list[Measure]:
    """The measure of one file: one Measure, or one per dated version (oldest first); none when it has errors."""
    doc = loader.doc(path)
    if doc is None:
        return []
    if not has_versions(doc):
        measure = _measure_of(loader, doc, path, env, None)
        return [measure] if measure is not None else []
    versions, errors = expand(doc)
    loader.errors.extend(errors)
    before = len(loader.errors)
    found = [_measure_of(loader, v.doc, path, env, v.dates) for v in versions]
    _dedupe(loader.errors, before)
    measures = [m for m in found if m is not None]
    return measures if not errors and len(measures) == len(found) else []


def _dedupe(errors: list[RuleError], start: int) -> None:
    """Drop repeats of one error (a top-level key every version inherits is checked once per version)."""
    seen: set[tuple[str, int, str, str]] = set()
    kept = errors[:start]
    for err in errors[start:]:
        key = (err.file, err.line, err.key, str(err.problem))
        if key not in seen:
            seen.add(key)
            kept.append(err)
    errors[:] = kept


def _measure_of(loader: _Loader, doc: Document, path: Path, env: dict[str, NameType],
                dates: DateRange | None) -> Measure | None:
    """One measure (or one version of it) from its document; None when it has errors."""
    spec = _validate(doc, MeasureFile, loader.errors)
    if not spec:
        return None
    before = len(loader.errors)
    if spec.id != path.stem:
        loader.errors.append(doc.error(("id",), Problem("lint.id_not_file_name", {"id": spec.id, "stem": path.stem})))
    criteria = _criteria(loader, doc, spec, env)
    logic = build_logic(spec.logic, [c.id for c in spec.criteria])
    _check_logic(loader, doc, spec, logic)
    _check_seeds(loader, doc, spec)
    loader.errors.extend(unquoted_numbers(doc, spec))
    amount = None
    if spec.benefit.amount is not None:
        amount = loader.expr(doc, ("benefit", "amount"), spec.benefit.amount, env, NUMBER)
    held = _held(loader, doc, spec, env)
    condition = _condition(loader, doc, spec, env)
    _check_rubric(loader, doc, spec)
    if len(loader.errors) > before:
        return None
    reads = frozenset(n for c in criteria for n in ex.names(c.test)) | (ex.names(amount) if amount else set())
    return Measure(spec, doc.file, tuple(criteria), logic, amount, reads, doc.lines, held=held, condition=condition,
                   version=dates, moved=doc.moved)


def _check_rubric(loader: _Loader, doc: Document, spec: MeasureFile) -> None:
    """A programme with money (cash, tax saving, financing) must say how much: an amount or its implementing programme."""
    benefit = spec.benefit
    if spec.nature == "programme" and benefit.type in MONEY_NEEDS_AMOUNT and benefit.amount is None and benefit.programme is None:
        problem = Problem("lint.rule.money_without_amount", {"type": benefit.type})
        loader.errors.append(doc.error(("benefit", "type"), problem))


def _held(loader: _Loader, doc: Document, spec: MeasureFile, env: dict[str, NameType]) -> tuple[ex.Node, ex.Node, ex.Node] | None:
    """The parsed (test, since, until) of a measure's `held`, or None."""
    if spec.held is None:
        return None
    test, since, until = (loader.expr(doc, ("held", key), getattr(spec.held, key), env, want)
                          for key, want in (("test", BOOL), ("since", DATE), ("until", DATE)))
    return None if test is None or since is None or until is None else (test, since, until)


def _condition(loader: _Loader, doc: Document, spec: MeasureFile, env: dict[str, NameType]) -> tuple[ex.Node, ex.Node] | None:
    """The parsed (test, until) of a measure's `condition`, or None."""
    if spec.condition is None:
        return None
    test, until = (loader.expr(doc, ("condition", key), getattr(spec.condition, key), env, want)
                   for key, want in (("test", BOOL), ("until", DATE)))
    return None if test is None or until is None else (test, until)


def _criteria(loader: _Loader, doc: Document, spec: MeasureFile, env: dict[str, NameType]) -> list[Criterion]:
    out, ids = [], set()
    for i, item in enumerate(spec.criteria):
        loc = ("criteria", i)
        if item.id in ids or item.id == "in_force":
            loader.errors.append(doc.error(loc + ("id",), Problem("lint.criterion_id_taken", {"name": item.id})))
        ids.add(item.id)
        test = loader.expr(doc, loc + ("test",), item.test, env, BOOL)
        show = None
        if item.show is not None:
            show = loader.expr(doc, loc + ("show",), item.show, env, NUMBER)
        if test is not None:
            out.append(Criterion(item.id, item.text, test, show, item.clause, item.assumption, doc.line(loc)))
    return out


def _check_logic(loader: _Loader, doc: Document, spec: MeasureFile, logic: LogicTree) -> None:
    ids = [c.id for c in spec.criteria]
    refs = logic_refs(logic)
    for ref in refs:
        if ref not in ids:
            problem = unknown("lint.unknown_criterion", ref, ids, criteria=", ".join(ids))
            loader.errors.append(doc.error(("logic",), problem))
    for i, cid in enumerate(ids):
        if cid not in refs:
            loader.errors.append(doc.error(("criteria", i, "id"), Problem("lint.criterion_unused", {"name": cid})))


def _check_seeds(loader: _Loader, doc: Document, spec: MeasureFile) -> None:
    for i, source in enumerate(spec.source):
        if not source.seed:
            continue
        text = loader.seed_text(source.seed)
        if text is None:
            loader.errors.append(doc.error(("source", i, "seed"), Problem("lint.no_seed", {"seed": source.seed,
                                                                                         "folder": str(loader.seeds_dir)})))
        elif _squash(source.quote or "") not in text:
            loader.errors.append(doc.error(("source", i, "quote"), Problem("lint.quote_not_in_seed", {"seed": source.seed})))


def _squash(text: str) -> str:
    return "".join(text.split())


def _load_windows(loader: _Loader, ids: set[str]) -> dict[str, tuple[Window, ...]]:
    """rules/windows.yaml: application windows by measure."""
    path = loader.root / "windows.yaml"
    doc = loader.doc(path) if path.exists() else None
    parsed = _validate(doc, WindowsFile, loader.errors) if doc else None
    if doc is None or not parsed:
        return {}
    found: dict[str, list[Window]] = {}
    for i, decl in enumerate(parsed.windows):
        if decl.measure not in ids:
            loader.errors.append(doc.error(("windows", i, "measure"), unknown("lint.unknown_measure", decl.measure, ids)))
        found.setdefault(decl.measure, []).append(Window(decl, doc.line(("windows", i))))
    return {k: tuple(v) for k, v in found.items()}


def _measure_files(root: Path) -> set[str]:
    base = root / "measures"
    return {p.stem for p in base.rglob("*.yaml") if p.name != "index.yaml"} if base.exists() else set()


def _check_relations(loader: _Loader, measures: list[Measure], files: set[str]) -> None:
    """Relations name existing measures; a measure whose file has errors still exists (no cascade of errors)."""
    ids = {m.id for m in measures} | files
    for measure in measures:
        for i, rel in enumerate(measure.spec.relations):
            if rel.measure not in ids:
                loader.errors.append(RuleError(measure.file, measure.line("relations", i), f"relations[{i}].measure",
                                               unknown("lint.unknown_measure", rel.measure, ids)))
