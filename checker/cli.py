"""The `checker` command: check profiles, run batches, lint and test the rule pack, serve the web app.

Exit codes: 0 success; 1 the rule pack is broken or an example failed; 2 bad usage;
3 the profile is invalid; 4 a batch finished but some rows were rejected.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

# numpy's OpenBLAS starts a thread per core at import (~0.07 s of CPU for a 1-row batch); the checker never
# multiplies matrices, so one is enough, unless the environment says otherwise (set before numpy is first imported)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from checker import config
from checker.rules.cache import cached_pack, load_pack
from checker.rules.errors import RulePackError
from checker.rules.pack import RulePack

if TYPE_CHECKING:
    from checker.engine import Checker, EngineName
    from checker.sample_check import SampleCheck

EXIT_RULES, EXIT_PROFILE, EXIT_ROWS = 1, 3, 4


class Context:
    """What every subcommand shares: where the rules are, and the loaded pack."""

    def __init__(self, rules: Path) -> None:
        self.rules = rules
        self.lang = "zh"  # the language rule errors are printed in (`rules lint --lang`)
        self._pack: RulePack | None = None
        self.cached = True  # start-up from the content-keyed pack cache (`rules` commands lint afresh)
        self.source = ""  # the commit the pack was loaded from when the folder's own files do not load

    def pack(self) -> RulePack:
        """Load the pack once, turning rule errors into a clean exit."""
        if self._pack is None:
            try:
                self._pack = cached_pack(self.rules) if self.cached else load_pack(self.rules)
            except RulePackError as exc:
                self.fail(exc.errors)
        return self._pack

    def fail(self, errors: list[Any]) -> NoReturn:
        """Print rule errors (file:line: key: message) and their count in self.lang, and exit 1."""
        from checker.i18n import translate

        for error in errors:
            click.echo(error.located.text(self.lang) if hasattr(error, "located") else str(error), err=True)
        click.echo(translate("cli.lint_errors", self.lang, count=len(errors)), err=True)
        sys.exit(EXIT_RULES)

    def serving(self) -> RulePack:
        """The pack a restarted server would serve: the folder's, else (saying so) its newest commit that loads."""
        if self._pack is None:
            from checker.staff.lastgood import choose

            try:
                chosen = choose(self.rules, config.seeds_dir(self.rules))
            except RulePackError:
                return self.pack()  # lists the folder's errors and exits
            _say_refused(chosen.refused, chosen.source)
            self._pack, self.source = chosen.pack, chosen.source
        return self._pack


def _as_of(_ctx: Any, _param: Any, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


AS_OF = click.option("--as-of", callback=_as_of, help="Check date YYYY-MM-DD (default: today).")
ENGINE = click.option("--engine", type=click.Choice(["durable", "reference", "fast"]), default=None,
                      help="Engine to use (default: $CHECKER_ENGINE or durable; fast is cross-checked with durable).")


@click.group()
@click.option("--rules", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Rule pack folder (default: $CHECKER_RULES or the project's rules/).")
@click.pass_context
def main(ctx: click.Context, rules: Path | None) -> None:
    """Check which support measures a company may qualify for."""
    ctx.obj = Context(rules or config.rules_dir())
    _freeze_at_exit()


@functools.cache
def _freeze_at_exit() -> None:
    """Leave what is alive when the process ends out of the collector's last pass (gc.freeze at exit): that pass
    scanned every object start-up made (the pack, numpy, pydantic), ~0.05 s of a 1-row batch. Objects are
    still freed as their modules are cleared; only cycles among them are left to the operating system."""
    atexit.register(gc.freeze)


def _checker(obj: Context, engine: EngineName | None, lazy: bool = False) -> Checker:
    from checker.engine import Checker

    return Checker(obj.pack(), engine or config.engine_name(), lazy=lazy)


def _commit_of(rules: Path) -> str:
    """', commit <id>' when the rules folder is in a git repository and has no uncommitted rule changes, else ''."""
    from checker.staff.gitrepo import GitError, RulesRepo
    from checker.staff.store import read_tree

    try:
        repo = RulesRepo.open(rules, init=False)
        head = repo.history(1) if repo is not None else []
        if repo is None or not head:
            return ""
        dirty = "" if repo.files(head[0]) == read_tree(rules) else " + uncommitted changes"
        return f", commit {head[0][:10]}{dirty}"
    except (GitError, OSError):
        return ""


def _load_profile(path: Path) -> Any:
    from checker.rules.yamlsrc import RuleError, load_text

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(f"{c} is not a number")))
        except (ValueError, RecursionError) as exc:
            raise click.ClickException(f"{path}: not valid JSON: {exc}") from None
    doc = load_text(text, str(path))
    if isinstance(doc, RuleError):
        raise click.ClickException(str(doc))
    return doc.data


@main.command()
@click.argument("profile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@AS_OF
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", help="Output format.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the text report.")
@ENGINE
@click.pass_obj
def check(obj: Context, profile: Path, as_of: dt.date, fmt: str, lang: str, engine: EngineName | None) -> None:
    """Check one profile (.json or .yaml) against every measure."""
    from checker.intake import read_profile
    from checker.report import render_text
    from checker.rules.profile import ProfileError

    raw = _load_profile(profile)
    try:
        values = read_profile(obj.serving(), raw, as_of)
    except ProfileError as exc:
        for problem in exc.problems:
            click.echo(f"{profile}: {problem}", err=True)
        sys.exit(EXIT_PROFILE)
    result = _checker(obj, engine).check(values, as_of, lang)
    if fmt == "json":  # the object names its rulepack; stderr stays quiet for scripts unless rules were refused
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        origin = f", last good commit {obj.source[:10]}" if obj.source else _commit_of(obj.rules)
        click.echo(f"rule pack {result.rulepack} from {obj.rules}{origin}", err=True)
        click.echo(render_text(obj.pack(), result, lang), nl=False)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file: .jsonl (compact results; --full for whole objects), .csv or .xlsx (the measure matrix).")
@AS_OF
@ENGINE
@click.option("--vector/--no-vector", default=None,
              help="Matrix by the vectorised evaluator, a sample re-checked by the engine (default: on for .csv/.xlsx).")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@click.option("--full", is_flag=True, help="JSONL: write the whole object `check` prints (default: compact results).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the .csv/.xlsx matrix.")
@click.pass_obj
def batch(obj: Context, source: Path, output: Path, as_of: dt.date, engine: EngineName | None,
          vector: bool | None, progress: bool | None, full: bool, lang: str) -> None:
    """Check every profile of SOURCE (.jsonl, .csv or .xlsx) and write OUTPUT."""
    from checker.batch import BatchReport
    from checker.sample_check import FORKS, SampleCheck

    shown = _ProblemLines(source)
    report = BatchReport(sink=shown)
    checker = _checker(obj, engine, lazy=True)  # the engine's rulesets: built where rows are checked
    use_vector = output.suffix.lower() in (".csv", ".xlsx") if vector is None else vector
    try:  # vectorised: the sampled rows checked by the engine in a forked process, beside the batch (second core)
        with _few_collections(), SampleCheck(checker, as_of, forked=use_vector and FORKS) as recheck:
            _run_batch(checker, source, output, as_of, report, use_vector, progress, full, lang, recheck)
    finally:
        shown.flush()
    click.echo(f"{report.checked} checked, {report.flagged} rows with problems (bad cells read as unknown) -> {output}",
               err=True)
    if report.flagged:
        sys.exit(EXIT_ROWS)


class _ProblemLines:
    """`checker batch`'s problems on stderr, a line each as they occur, written a block of lines at a time (a messy
    file's tens of thousands of problems were as many writes) and always before a progress line or the summary."""

    def __init__(self, source: Path, block: int = 1000) -> None:
        self.source, self.block = source, block
        self.lines: list[str] = []

    def __call__(self, problem: Any) -> None:
        self.lines.append(f"{self.source}: {problem}")
        if len(self.lines) >= self.block:
            self.flush()

    def flush(self) -> None:
        """Write the lines held so far."""
        if self.lines:
            click.echo("\n".join(self.lines), err=True)
            self.lines.clear()


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """The cyclic garbage collector run seldom while a batch runs, its settings restored after: a chunk allocates
    millions of cells and arrays but makes no cycles (refcounting frees them), so the default thresholds only rescan
    the same live objects (~0.3 s of a 20k-row batch); what start-up loaded is frozen out of every scan."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _run_batch(checker: Checker, source: Path, output: Path, as_of: dt.date, report: Any, use_vector: bool,
               progress: bool | None, full: bool, lang: str, recheck: SampleCheck) -> None:
    """`checker batch` of SOURCE to OUTPUT: a CSV to a matrix a column at a time, everything else row by row."""
    from checker.batch import BatchFormatError, csv_encoding, unclaimed_columns, unread_note
    from checker.batch_table import write_csv_matrix
    from checker.engine import EngineMismatch

    try:
        encoding = csv_encoding(source) if source.suffix.lower() == ".csv" else None  # the whole file decoded once
        extras = unclaimed_columns(checker, source, encoding=encoding)  # a first pass, if need be: unclaimed columns
        if extras:
            click.echo(unread_note(checker.pack, source, extras), err=True)
        show = sys.stderr.isatty() if progress is None else progress
        done = [0]

        def chunk_done(rows: int) -> None:
            done[0] += rows
            if show:
                report.sink.flush()  # the chunk's problems first
                click.echo(f"checking: {done[0]:,} rows", err=True)

        if not (use_vector and source.suffix.lower() == ".csv"  # a CSV file is read a column at a time
                and write_csv_matrix(output, checker, source, as_of, report, lang, extras, progress=chunk_done,
                                     recheck=recheck, encoding=encoding)):
            _batch_rows(checker, source, output, as_of, report, use_vector, progress, full, lang, extras, recheck)
    except (BatchFormatError, EngineMismatch) as exc:
        raise click.ClickException(str(exc)) from None


def _batch_rows(checker: Checker, source: Path, output: Path, as_of: dt.date, report: Any, use_vector: bool,
                progress: bool | None, full: bool, lang: str, extras: list[str], recheck: SampleCheck) -> None:
    """`checker batch` reading the rows one by one (JSONL, XLSX, a CSV file naming a field twice, engine output)."""
    from checker.batch import check_rows, engine_rows, read_rows, write_results, write_rows
    from checker.batch_columnar import write_matrix

    rows = read_rows(source)  # streamed: rows are read, checked and written a chunk at a time
    show = sys.stderr.isatty() if progress is None else progress
    with click.progressbar(rows, label="checking", file=sys.stderr if show else None) as bar:
        if use_vector:
            write_matrix(output, checker, bar, as_of, report, lang, extras, recheck=recheck)
        elif output.suffix.lower() in (".csv", ".xlsx"):
            write_rows(output, engine_rows(checker, bar, as_of, report, extras), checker.pack, lang, extras)
        else:
            write_results(output, check_rows(checker, bar, as_of, report), full)


@main.command()
@click.option("--against", type=click.Path(exists=True, path_type=Path, file_okay=False), default=None,
              help="The pack the rules folder (draft or current) is compared with (default: the same pack).")
@click.option("--before", "before_date", callback=lambda c, p, v: None if v is None else _as_of(c, p, v),
              help="Date the --against pack is checked on, YYYY-MM-DD (default: --as-of).")
@AS_OF
@click.option("--n", "count", type=click.IntRange(1, 10_000_000), default=100_000, show_default=True,
              help="Generated registry profiles (1000000 for the whole district).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated registry.")
@click.option("--json", "as_json", is_flag=True, help="Print the impact as one JSON object.")
@click.pass_obj
def impact(obj: Context, against: Path | None, before_date: dt.date | None, as_of: dt.date, count: int, seed: int,
           as_json: bool) -> None:
    """Impact of the rules folder's pack on AS_OF over a generated registry, against another pack or date."""
    import time

    from checker.staff.registry import Side, registry_impact

    before_pack = obj.pack() if against is None else _other_pack(against)
    before = Side(before_pack, before_date or as_of)
    start, found = time.perf_counter(), None
    for found in registry_impact(before, Side(obj.pack(), as_of), count, seed):
        click.echo(f"{found.rows:,} / {count:,} profiles", err=True)
    assert found is not None
    seconds = time.perf_counter() - start
    if as_json:
        click.echo(json.dumps({**found.to_json(), "seconds": round(seconds, 2)}, ensure_ascii=False))
        return
    click.echo(_impact_text(found.to_json(), before_pack.version, before.as_of, obj.pack().version, as_of))
    click.echo(f"{found.rows:,} profiles in {seconds:.1f}s ({found.rows / seconds:,.0f}/s)")


def _other_pack(path: Path) -> RulePack:
    """The pack an impact compares with, rule errors a clean exit."""
    other = Context(path)
    return other.pack()


def _impact_text(found: dict[str, Any], old: str, old_date: dt.date, new: str, new_date: dt.date) -> str:
    """The impact as plain text: changes per measure, money by type before/after, companies that gain or lose."""
    lines = [f"{old} on {old_date} -> {new} on {new_date}: {found['rows']:,} profiles",
             f"{'measure':44s} {'newly eligible':>15s} {'no longer':>10s} {'other':>8s}"]
    for mid, kinds in found["counts"].items():
        lines.append(f"{mid:44s} {kinds.get('newly_eligible', 0):>15,} {kinds.get('no_longer_eligible', 0):>10,} "
                     f"{kinds.get('other', 0):>8,}")
    lines.append(f"{'money (万元)':42s} {'before':>16s} {'after':>16s} {'gained':>8s} {'lost':>8s}")
    for key, row in found["money"]["types"].items():
        lines.append(f"{key:44s} {row['before']:>16,.2f} {row['after']:>16,.2f} {row['gained']:>8,} {row['lost']:>8,}")
    companies = found["money"]["companies"]
    lines.append(f"companies whose money rises: {companies['gained']:,}, falls: {companies['lost']:,}")
    return "\n".join(lines)


@main.command()
@click.option("--concurrency", type=int, default=1, show_default=True, help="Worker processes (one chunk each at a time).")
@click.option("--name", default="checker@%h", show_default=True, help="Node name (shown beside every chunk it checks).")
def worker(concurrency: int, name: str) -> None:
    """Check job chunks from CHECKER_BROKER_URL, with the same DATABASE_URL and CHECKER_RULES as the web app."""
    from checker.agency.distributed import make_celery

    broker = config.setting("CHECKER_BROKER_URL")
    if not broker:
        raise click.UsageError("set CHECKER_BROKER_URL (e.g. redis://127.0.0.1:6379/0) and DATABASE_URL first")
    from celery.signals import worker_ready

    from checker.agency.distributed import start_sweeper
    from checker.staff.store import published_pack

    celery = make_celery(broker, published=published_pack)
    worker_ready.connect(lambda **_: start_sweeper(celery), weak=False)  # after the pool forked: its engine stays here
    celery.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "-n", name,
                                     "--pool=prefork", "--without-gossip", "--without-mingle"])


@main.group()
@click.pass_obj
def rules(obj: Context) -> None:
    """Lint, test and list the rule pack."""
    obj.cached = False  # lint and test what the files say now, never a cached pack


@rules.command()
@click.option("--strict-currency", is_flag=True, help="Also fail on a measure not reviewed within a year (reviewed_on).")
@click.option("--as-of", "as_of", callback=_as_of, help="The date reviews are measured against (default: today).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the messages (as `check`).")
@click.pass_obj
def lint(obj: Context, strict_currency: bool, as_of: dt.date, lang: str) -> None:
    """Validate every rule file; list every error with file:line."""
    from checker.i18n import translate

    obj.lang = lang
    pack = obj.pack()
    from checker.engine import Checker
    from checker.rules.currency import currency_errors

    Checker(pack, "durable").close()  # compiling also checks the engine's limits
    errors = currency_errors(pack, as_of, strict_currency) + _history(obj.rules, lang)
    if errors:
        obj.fail(errors)
    click.echo(translate("cli.lint_ok", lang, measures=len(pack.measures), fields=len(pack.fields), version=pack.version))


@rules.command("currency")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", help="Output format.")
@click.option("--as-of", "as_of", callback=_as_of, help="The date ages are measured against (default: today).")
@click.pass_obj
def currency(obj: Context, fmt: str, as_of: dt.date) -> None:
    """List measures by last review, old sources, superseded documents and programmes with no application window."""
    from checker.rules.currency import currency_report

    report = currency_report(obj.pack(), as_of)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(_currency_text(report))


def _short(text: str, width: int = 100) -> str:
    """A text cut to width characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _currency_text(report: Any) -> str:
    """The currency report as plain text, one section per list."""
    lines = [f"currency as of {report.today.isoformat()}", "", "by last review (oldest first):"]
    stale_ids = {r.measure for r in report.stale()}
    for r in report.by_review:
        stale = " STALE" if r.measure in stale_ids else ""
        lines.append(f"  {r.reviewed_on.isoformat() if r.reviewed_on else 'never':10} {r.measure:36}{stale} "
                     f"{_short(r.review.en if r.review else '')}")
    lines += ["", "sources older than five years:"]
    lines += [f"  {r.source_year} {r.measure}" for r in report.old_sources] or ["  (none)"]
    lines += ["", "superseded documents:"]
    lines += [f"  {r.measure} -> {r.superseded_by['document']} (from {r.superseded_by['from']})"
              for r in report.superseded if r.superseded_by] or ["  (none)"]
    lines += ["", "programmes with no application window (rules/windows.yaml):"]
    lines += [f"  {r.measure}" for r in report.no_window] or ["  (none)"]
    return "\n".join(lines)


def _history(rules: Path, lang: str) -> list[Any]:
    """Started periods the files on disk change against the rules folder's last commit (a note when not in git)."""
    from checker.i18n import translate
    from checker.staff.gitrepo import GitError, RulesRepo
    from checker.staff.history import rewrites
    from checker.staff.store import read_tree

    repo = RulesRepo.open(rules, init=False)
    if repo is None:
        click.echo(translate("cli.lint_no_git", lang), err=True)
        return []
    try:
        committed = repo.files()
    except GitError:
        committed = {}
    return rewrites(committed, read_tree(rules), dt.date.today())


@rules.command("test")
@ENGINE
@click.option("-v", "--verbose", is_flag=True, help="List every example, not only failures.")
@click.option("--coverage", is_flag=True, help="Report which criterion sides (met / not met) the examples reach.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=100.0, show_default=True,
              help="With --coverage: fail when fewer than this percent of criterion sides are reached.")
@click.pass_obj
def test_examples(obj: Context, engine: EngineName | None, verbose: bool, coverage: bool, min_coverage: float) -> None:
    """Run every embedded example of every measure (on durable-rules unless --engine says otherwise)."""
    from checker.ruletest import run_pack

    pack = obj.pack()
    outcomes, gaps = run_pack(pack, engine or config.engine_name())
    for outcome in outcomes:
        if verbose or not outcome.passed:
            mark = "PASS" if outcome.passed else "FAIL"
            click.echo(f"{mark} {outcome.file} examples[{outcome.index}] {outcome.name}")
            for failure in outcome.failures:
                click.echo(f"     {failure}")
    failed = sum(not o.passed for o in outcomes)
    low = coverage and not _coverage_report(2 * sum(len(m.criteria) for m in pack.every_version()), gaps, min_coverage)
    click.echo(f"{len(outcomes) - failed} passed, {failed} failed")
    if failed or low:
        sys.exit(EXIT_RULES)


def _coverage_report(total: int, gaps: list[tuple[str, str, str]], min_coverage: float) -> bool:
    """Print criterion-side coverage (of `total` sides, these gaps unreached); True when it reaches min_coverage percent."""
    for measure, cid, side in gaps:
        click.echo(f"uncovered: {measure} criterion {cid} never {side}")
    percent = 100.0 * (total - len(gaps)) / total if total else 100.0
    click.echo(f"criterion coverage: {total - len(gaps)}/{total} sides reached ({percent:.1f}%), minimum {min_coverage:g}%")
    return percent >= min_coverage


@rules.command("coverage")
@click.pass_obj
def coverage_map(obj: Context) -> None:
    """Print the seed coverage map (seeds/COVERAGE.md) from seeds/coverage/*.yaml."""
    from checker.rules.coverage import render_markdown

    click.echo(render_markdown(obj.pack(), config.seeds_dir(obj.rules)), nl=False)


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", help="Output format.")
@click.pass_obj
def list_measures(obj: Context, fmt: str) -> None:
    """List every measure with its title, kind and source."""
    pack = obj.pack()
    items: list[dict[str, Any]] = [{"id": m.id, "title": m.spec.title.model_dump(), "kind": m.spec.kind,
              "issuer": m.spec.issuer.model_dump(), "file": m.file,
              "source": [s.model_dump(exclude_none=True) for s in m.spec.source]} for m in pack.measures]
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for item in items:
        click.echo(f"{item['id']:32} {item['kind']:12} {item['title']['zh']}")


@main.command()
@click.option("--host", default="127.0.0.1", help="Address to listen on.")
@click.option("--port", default=8000, type=int, help="Port to listen on.")
@click.option("--threads", default=8, type=int, help="Worker threads (waitress).")
@click.option("--dev", is_flag=True, help="Flask's development server with reload.")
@click.pass_obj
def serve(obj: Context, host: str, port: int, threads: int, dev: bool) -> None:
    """Serve the web app (waitress; --dev for Flask's reloader). A broken rule pack stops it."""
    from checker.web import create_app

    try:
        app = create_app({"CHECKER_RULES": str(obj.rules), "AGENCY_BACKGROUND": True})  # jobs resume, rechecks sweep
    except RulePackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"not serving: {len(exc.errors)} error(s) in the rule pack {obj.rules}", err=True)
        sys.exit(EXIT_RULES)
    if dev:
        app.run(host=host, port=port, debug=True)
        return
    from waitress import serve as waitress_serve

    _say_refused(app.extensions["checker"].refused, app.extensions["checker"].chosen.source)
    click.echo(f"serving on http://{host}:{port}/ (rule pack {app.extensions['checker'].pack.version})", err=True)
    waitress_serve(app, host=host, port=port, threads=threads)


def _say_refused(refused: Any, source: str) -> None:
    """Say loudly on stderr that the newest rules were refused and which version is served instead."""
    if refused is None:
        return
    click.echo(f"REFUSED: rules {refused.name} do not load ({refused.count} error(s)):", err=True)
    for error in refused.errors:
        click.echo(f"  {error}", err=True)
    click.echo(f"serving the last good version instead: {source or 'the rules folder'}", err=True)


@main.group()
def users() -> None:
    """Agency and staff accounts of the web app."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["agency", "staff"]), default="agency", show_default=True, help="Account role.")
@click.option("--agency", "agency_name", default=None, help="The agency the user belongs to (agency users).")
@click.password_option(help="The password (asked twice when not given).")
@click.pass_obj
def add_user(obj: Context, email: str, role: str, agency_name: str | None, password: str) -> None:
    """Create a sign-in for an agency user or a policy-staff member (database from $DATABASE_URL)."""
    from checker.accounts.users import AccountError, create_user

    with _app_session(obj) as session:
        try:
            create_user(session, email, password, agency_name, role)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"created {role} user {email}", err=True)


@users.command("deactivate")
@click.argument("email")
@click.pass_obj
def deactivate_user(obj: Context, email: str) -> None:
    """Stop a user signing in: their open browser sessions end and their API tokens stop working."""
    from checker.accounts.users import AccountError
    from checker.accounts.users import deactivate_user as deactivate

    with _app_session(obj) as session:
        try:
            deactivate(session, email)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"deactivated {email}; their sessions are ended", err=True)


@contextlib.contextmanager
def _app_session(obj: Context) -> Iterator[Any]:
    """A session of the web app's database ($DATABASE_URL, else instance/), migrated like the app; no app is built."""
    from checker.db import make_engine, make_sessions, upgrade

    url = config.database_url()
    engine = make_engine(url)
    try:
        if url.startswith("sqlite"):  # as the app does (AUTO_MIGRATE); PostgreSQL is migrated by the operator
            upgrade(engine)
        with make_sessions(engine)() as session:
            yield session
    finally:
        engine.dispose()


@main.group()
def tokens() -> None:
    """Agency API tokens: list, create (named, with an expiry) and revoke."""


@tokens.command("list")
@click.option("--email", default=None, help="Only this user's tokens.")
@click.pass_obj
def list_tokens(obj: Context, email: str | None) -> None:
    """Every token: id, owner, name, created, expires, last used and state (tab-separated)."""
    from checker.accounts.tokens import user_tokens
    from checker.models import utcnow

    with _app_session(obj) as session:
        owner = _user_by_email(session, email) if email else None
        now = utcnow()
        click.echo("id\temail\tname\tcreated\texpires\tlast_used\tstate")
        for tok in user_tokens(session, owner):
            stamps = [_stamp(tok.created_at), _stamp(tok.expires_at), _stamp(tok.last_used_at)]
            click.echo("\t".join([str(tok.id), tok.user.email, tok.label, *stamps, tok.state(now)]))


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (shown in lists).")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True, help="Days until it expires.")
@click.pass_obj
def create_token(obj: Context, email: str, name: str, days: int) -> None:
    """Issue a token for an agency user and print it once on stdout (only its hash is stored)."""
    from checker.accounts.tokens import issue_token

    with _app_session(obj) as session:
        owner = _user_by_email(session, email)
        if owner.role != "agency":
            raise click.ClickException(f"{owner.email} is a {owner.role} user; API tokens are for agency users")
        token = issue_token(session, owner, name, days)
        session.commit()
    click.echo(token)
    click.echo(f"token {name!r} for {owner.email} expires in {days} days; it is shown only this once", err=True)


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke_token(obj: Context, token_id: int) -> None:
    """Revoke a token by its id (see `checker tokens list`): it stops working at once."""
    from checker.accounts.tokens import revoke_token as revoke
    from checker.accounts.users import AccountError

    with _app_session(obj) as session:
        try:
            found = revoke(session, token_id)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        click.echo(f"revoked token #{found.id} {found.label!r} of {found.user.email}", err=True)


def _user_by_email(session: Any, email: str) -> Any:
    """The user with this email, else a usage error naming it."""
    from sqlalchemy import select

    from checker.accounts.models import User
    from checker.accounts.users import normal_email

    found = session.scalars(select(User).where(User.email == normal_email(email))).first()
    if found is None:
        raise click.ClickException(f"no user with the email {normal_email(email)}")
    return found


def _stamp(moment: dt.datetime | None) -> str:
    """A UTC time as YYYY-MM-DD HH:MM, or '-'."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@main.group("assessments")
def assessments() -> None:
    """Saved company self-assessments."""


@assessments.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention in days since last opened (default: ASSESSMENT_RETENTION_DAYS, else 180).")
def purge_command(days: int | None) -> None:
    """Delete assessments not opened for the retention period; print how many (database from $DATABASE_URL, the web
    app itself not built)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from checker.company.purge import purge, retention_days
    from checker.config import database_url
    from checker.db import make_engine, make_sessions

    days = days or retention_days()
    engine = make_engine(database_url())
    try:
        with make_sessions(engine)() as session:
            click.echo(f"purged {purge(session, days)} assessments not opened for {days} days")
    except (OperationalError, ProgrammingError) as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise click.ClickException(f"{shown}: no assessment table to purge (run the migrations): {exc.orig}") from exc
    finally:
        engine.dispose()


@main.group("alerts")
def alerts() -> None:
    """E-mail alerts of saved self-assessments (定向订阅)."""


@alerts.command("send")
@click.pass_obj
def alerts_send(obj: object) -> None:
    """One round of the alert work, for cron when no server runs the sweeper: purge addresses unconfirmed for a day,
    look for verdict changes and opened windows, send what is due (SMTP from MAIL_SERVER, else the log)."""
    from checker.web import create_app
    from checker.web.agency import close_app
    from checker.web.alerts import sweep_now

    rules = getattr(obj, "rules", None)
    app = create_app({"CHECKER_RULES": str(rules)} if rules is not None else None)
    try:
        click.echo(f"tried {sweep_now(app)} alert mails")
    finally:
        close_app(app)
        app.extensions["checker"].close()


if __name__ == "__main__":  # `python -m checker.cli ...` (without this it imported the CLI and silently did nothing)
    main()
