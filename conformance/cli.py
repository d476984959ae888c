"""`cognito-conformance`: run the suite against a target, and read its reports.

Exit codes of `run` (DESIGN.md): 0 nothing unexpected; 1 unexpected failures, unexpected
passes, check errors or checks that recorded no result; 2 bad usage or configuration
(a malformed expectations file included: every target's is validated before any target
starts); 3 target unreachable or broken; 130 interrupted (SIGINT/SIGTERM/SIGHUP).
Every error is one line on stderr, never a traceback.

Why a run is staged: the last complete report of a target must survive a run that does not
complete. pytest writes into reports/.staging/...; the complete report replaces
reports/<target>/ in one rename; an interrupted run's partial report, marked
`"interrupted": true`, goes to reports/interrupted/<target>/ and one stderr line says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from conformance.config import ConfigError, RunConfig, add_options, from_sources
from conformance.targets.base import Target, TargetStartError, available_targets, load_target

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_TARGET, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = """exit codes of `run`:
  0    nothing unexpected
  1    unexpected failures or passes, check errors, checks that recorded no result,
       or a --deadline that passed (the checks left are errors)
  2    bad usage or configuration (options, -k, --report-dir, an expectations file),
       found before any target starts
  3    target unreachable or broken: it did not start, the start-up probe got no
       cognito-idp answer (none, 5xx, or not Cognito's), or it stopped answering mid-run
  130  interrupted (SIGINT/SIGTERM/SIGHUP); the partial report goes to
       <report-dir>/interrupted/<target>/
"""
LOCAL_EMULATORS = ("moto", "cognito-local", "ministack")


class RunInterrupted(KeyboardInterrupt):
    """A target's run was interrupted; the message says where its partial report went."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"cognito-conformance: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cognito-conformance",
                     description="Conformance suite for the Cognito user-pools API.",
                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    run = sub.add_parser("run", help="run the checks against a target", epilog=EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(run.add_argument)
    run.add_argument("-k", dest="cc_keyword", metavar="EXPR",
                     help="only checks whose id matches this pytest -k expression "
                     "(checked before any target starts: a syntax error or an expression "
                     "matching no check is exit 2)")
    run.add_argument("--deadline", dest="cc_deadline_s", type=float, metavar="SECONDS",
                     default=None,
                     help="time limit for the whole run: when it passes, every check not "
                     "yet run is an error ('run deadline of S s passed') and the run exits "
                     "1; a running Schemathesis operation finishes first")
    run.add_argument("--i-understand-this-creates-resources", dest="cc_allow_aws",
                     action="store_true", default=None,
                     help="required for --target aws: resources are created in your account")
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's verbose output")
    sub.add_parser("targets", help="list the target plugins")
    sub.add_parser("checks", help="list the registered checks")
    matrix = sub.add_parser("matrix", help="render the cross-target grid of a reports dir")
    matrix.add_argument("reports", nargs="?", default="reports")
    diff = sub.add_parser("diff", help="what changed between two results.json files")
    diff.add_argument("old")
    diff.add_argument("new")
    badges = sub.add_parser("badges", help="shields.io endpoint JSON per target: "
                            "reports/badges/<target>.json")
    badges.add_argument("reports", nargs="?", default="reports")
    spec = sub.add_parser("spec", help="regenerate derived spec files")
    spec.add_argument("what", choices=["status", "openapi"])
    _add_cleanup_baseline(sub)
    return parser


def _add_cleanup_baseline(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cleanup = sub.add_parser("cleanup", help="delete leftover pools named with the run prefix")
    cleanup.add_argument("--target", dest="cc_target", default=None, metavar="NAME",
                         help="aws (default) or url; url needs --endpoint")
    cleanup.add_argument("--endpoint", dest="cc_endpoint", default=None, metavar="URL")
    cleanup.add_argument("--region", dest="cc_region", default=None, metavar="REGION")
    cleanup.add_argument("--report-dir", dest="cc_report_dir", default=None, metavar="DIR")
    cleanup.add_argument("--prefix", default=None, metavar="PREFIX",
                         help="pool-name prefix (default ccf-)")
    baseline = sub.add_parser("baseline", help="draft expectations TOML entries for every "
                              "unexpected failure in a results.json")
    baseline.add_argument("results", nargs="+",
                          help="results.json of one target; several (other seeds/profiles) "
                          "are merged")
    baseline.add_argument("--keep-expected", action="store_true",
                          help="also re-emit still-valid entries: a whole refreshed file")
    baseline.add_argument("--update", metavar="FILE", default=None,
                          help="rewrite this expectations file in place: set every entry's "
                          "signature from the runs, append drafts for unlisted failures")
    baseline.add_argument("--prune", action="store_true",
                          help="with --update: remove the entries of checks that passed in "
                          "every run given")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cognito-conformance")
    except PackageNotFoundError:
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"cognito-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cognito-conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def cmd_run(args: argparse.Namespace) -> int:
    from conformance.targets.process import install_handlers, sweep_dead_runs

    install_handlers()  # first: SIGTERM during the in-process moto is an interrupt too
    sweep_dead_runs()  # what SIGKILLed runs left (their processes, temp dirs)
    config = from_sources(vars(args))
    names = _target_names(config)
    _validate_expectations(config, names)
    _validate_keyword(config.keyword, config.client_names)
    if config.deadline_s is not None:  # one epoch time for the whole run (every target)
        import time

        config = config.replace(deadline_at=time.time() + config.deadline_s)
    done: list[str] = []
    worst = EXIT_OK
    try:
        for name in names:
            _stop_if_interrupted()
            worst = max(worst, run_target(config.replace(target=name), verbose=args.verbose))
            done.append(name)
        _stop_if_interrupted()  # a signal during a deferred section (a report swap)
    except RunInterrupted as exc:
        return _interrupted_line(str(exc), names[len(done) + 1:])
    except KeyboardInterrupt:
        ran = f"after {', '.join(done)} completed" if done else "before any target ran"
        return _interrupted_line(ran, names[len(done):])
    if config.target == "all":  # the cross-target page (index.html, matrix.md/.json), badges
        from conformance.reporting.badges import write_badges
        from conformance.reporting.matrix import write_matrix_and_tell

        write_matrix_and_tell(Path(config.report_dir), strict=False)
        for path in write_badges(Path(config.report_dir)):
            print(f"wrote {path}", file=sys.stderr)
    return worst


def _validate_expectations(config: RunConfig, names: list[str]) -> None:
    """Every target's expectations file, before any target starts: ExpectationsError (a
    ConfigError) is one line and exit 2, never a run that silently drops an entry."""
    from conformance.results.expectations import validate

    directory = Path(config.expectations_dir) if config.expectations_dir else None
    for name in names:
        validate(name, directory)


def _validate_keyword(keyword: str | None, clients: tuple[str, ...] | None = None) -> None:
    """-k, before any target starts: a syntax error or an expression no item would match
    is exit 2. Matched as pytest's -k matches an item (pytest's own Expression, names
    compared case-insensitively by substring): each item's names are those pytest gives it
    (conformance/suite: test function, `test_x[<id>]`, module, packages, markers), so a
    valid expression is never refused; one matching too much is caught by pytest itself.
    Client checks count only for the run's `clients` (the others are not collected)."""
    if not keyword:
        return
    from _pytest.mark.expression import Expression  # what pytest's -k itself compiles

    try:
        expression = Expression.compile(keyword)
    except SyntaxError as exc:  # pytest 8.4+; ParseError before (a SyntaxError's sibling)
        raise ConfigError(f"-k {keyword!r}: not a valid pytest -k expression: "
                          f"{exc.msg} (column {exc.offset})") from None
    for names in _item_names(clients):
        lowered = [n.lower() for n in names]

        def matcher(ident: str, /, **kwargs: object) -> bool:
            if kwargs:
                raise ConfigError(f"-k {keyword!r}: keyword arguments are not supported")
            ident = ident.lower()
            return any(ident in name for name in lowered)

        if expression.evaluate(matcher):
            return
    raise ConfigError(f"-k {keyword!r} matches no check, generated pair or observation "
                      "(`cognito-conformance checks` lists the ids)")


def _item_names(clients: tuple[str, ...] | None = None) -> list[list[str]]:
    """The names pytest's -k sees for each item of conformance.suite (client checks of
    `clients` only; None: the clients the environment selects, as pytest would)."""
    from conformance.checks import all_checks
    from conformance.checks.clients import selected
    from conformance.generated.pairs import (
        all_observations, all_pairs, observation_id, pair_id,
    )

    common = ["conformance", "suite", "parametrize"]
    wanted = from_sources({}).client_names if clients is None else clients
    items = [[f"test_check[{c.id}]", "test_check", "test_checks.py", *common]
             for c in all_checks() if selected(c.id, wanted)]
    items += [[f"test_generated[{pair_id(op, chk)}]", "test_generated",
               "test_generated.py", *common] for op, chk in all_pairs()]
    items += [[f"test_generated_observation[{observation_id(op, kind)}]",
               "test_generated_observation", "test_generated.py", *common]
              for op, kind in all_observations()]
    return items


def _interrupted_line(what: str, not_started: list[str]) -> int:
    rest = f"; not started: {', '.join(not_started)}" if not_started else ""
    print(f"cognito-conformance: interrupted: {what}{rest}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _interrupted() -> bool:
    from conformance.targets.process import interrupted

    return interrupted()


def _stop_if_interrupted() -> None:
    if _interrupted():
        _raise_interrupt()


def _raise_interrupt() -> NoReturn:
    from conformance.targets.process import SignalInterrupt

    raise SignalInterrupt  # not KeyboardInterrupt itself: see SignalInterrupt


def _target_names(config: RunConfig) -> list[str]:
    if config.target == "all":
        if config.endpoint:
            raise ConfigError("--target all starts every local emulator; drop --endpoint")
        return [n for n in LOCAL_EMULATORS if n in available_targets()]
    if config.target not in available_targets():
        raise ConfigError(f"unknown target {config.target!r}; choose from "
                          f"{', '.join(available_targets())} or all")
    return [config.target]


def run_target(config: RunConfig, verbose: bool = False) -> int:
    """Start one target, run the suite against it into a staged report, stop it; returns
    the exit code. Interrupted (at any moment): the staged report is set aside and
    RunInterrupted raised; reports/<target>/ keeps the previous complete report."""
    from conformance.reporting import results_json
    from conformance.targets.process import signals_deferred

    target = load_target(config)
    with signals_deferred():
        staged = results_json.stage(Path(config.report_dir), target.name)
    try:
        _stop_if_interrupted()  # a signal while staging
        return _start_and_run(config, target, staged, verbose)
    except Exception:  # noqa: BLE001 - re-raised unless a signal caused it
        # KeyboardInterrupt raised by the signal handler in the middle of a library can
        # leave it half-updated, so the interrupt may surface as another exception later
        # (in a pytest hook, in the pool shutdown): once a signal arrived, that is the
        # interrupt, never a traceback and never a green run.
        if not _interrupted():
            raise
        _set_aside_and_raise(config, target.name, staged)
    except KeyboardInterrupt:
        _set_aside_and_raise(config, target.name, staged)
    finally:
        with signals_deferred():  # a stop cut short may leave a server (or AWS pools) behind
            try:
                target.stop()
            finally:
                results_json.discard(staged)


def _set_aside_and_raise(config: RunConfig, name: str, staged: Path) -> NoReturn:
    from conformance.targets.process import signals_deferred

    with signals_deferred():
        where = _set_aside(config, name, staged)
    raise RunInterrupted(where) from None


def _start_and_run(config: RunConfig, target: Target, staged: Path, verbose: bool) -> int:
    try:
        target.start()
        caps = probe(target, config)
    except TargetStartError as exc:
        target.stop()
        print(f"cognito-conformance: error: {config.target}: {exc}", file=sys.stderr)
        return EXIT_TARGET
    return _run_pytest(config, target, caps, verbose, staged)


def _set_aside(config: RunConfig, name: str, staged: Path) -> str:
    """Move an interrupted run's staged report aside, marked; returns what to tell."""
    from conformance.reporting import results_json

    final = config.target_report_dir(name)
    if not staged.exists():  # interrupted after the complete report was swapped in
        return f"after {name} completed ({final})"
    dest = results_json.aside_dir(Path(config.report_dir), name)
    results_json.set_aside(staged, dest, name)
    kept = (f"{final} keeps the previous complete report" if final.exists()
            else f"no complete report of {name} yet")
    return f"{name} did not finish: partial report in {dest}; {kept}"


def probe(target: Target, config: RunConfig) -> frozenset[str]:
    """A cheap call proving the endpoint speaks cognito-idp; returns confirmed capabilities."""
    from conformance.targets.probe import confirm_capabilities

    return confirm_capabilities(target, config)


def _run_pytest(config: RunConfig, target: Target, caps: frozenset[str], verbose: bool,
                staged: Path) -> int:
    """pytest over the suite, every report file written into `staged` (the Recorder through
    the run config's report_dir, JUnit and Allure through their options)."""
    import pytest

    from conformance.plugin import RunState

    run_config = config.replace(endpoint=target.endpoint, extra=_attach_info(target),
                                report_dir=str(staged.parent))
    os.environ["CC_RUN_CONFIG"] = run_config.to_env()
    args = [*_pytest_args(config, staged, verbose), f"--cc-report-dir={staged.parent}"]
    code = pytest.main(args, plugins=[RunState(target, caps)])
    return _finish(config, target.name, staged, int(code))


def _pytest_args(config: RunConfig, out: Path, verbose: bool) -> list[str]:
    args = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider",
            # no assertion rewriting: verdicts come from conformance/checks/assertions.py,
            # never from a bare assert, and rewriting re-parsed the pytest11 plugins
            # (schemathesis, hypothesis, anyio) on every run: ~3 s (issue 12 part 7)
            "--assert=plain",
            "-o", "addopts=", "-o", "junit_family=xunit1", "-o", "junit_logging=no",
            "--show-capture=no", "--tb=no",
            "-W", "ignore::pytest.PytestAssertRewriteWarning",  # 2nd+ target of --target all
            "-o", "console_output_style=classic",
            f"--junitxml={out / 'junit.xml'}", f"--alluredir={out / 'allure-results'}",
            "--clean-alluredir", "-rN",
            # the suite's own progress and closing line (plugin.Progress, print_summary):
            # pytest's letters and its "N passed, M xfailed" line count in other units
            "--cc-progress", "-qq" if not verbose else "-v"]
    if config.keyword:
        args += ["-k", config.keyword]
    return args


def _finish(config: RunConfig, name: str, staged: Path, code: int) -> int:
    """pytest's exit code + the staged results.json -> the run's exit code. A complete
    report is swapped in; an interrupted one raises KeyboardInterrupt (run_target sets it
    aside); pytest's internal (3) or collection (2) errors are never 0, usage errors (4,
    e.g. a bad -k expression, which pytest explained in one line) are 2."""
    from pytest import ExitCode

    from conformance.reporting import results_json
    from conformance.reporting.summary import exit_code, print_summary
    from conformance.targets.process import signals_deferred

    results_file = staged / "results.json"
    doc = results_json.read(results_file) if results_file.exists() else None
    if _interrupted() or (doc is not None and doc.get("interrupted")):
        _raise_interrupt()
    if code == ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    if doc is None:
        why = ("no check ran (check -k)" if code in (ExitCode.OK, ExitCode.NO_TESTS_COLLECTED)
               else f"pytest ended with exit code {code} before any result")
        print(f"cognito-conformance: error: {name}: {why}; nothing written", file=sys.stderr)
        return EXIT_UNEXPECTED
    final = config.target_report_dir(name)
    with signals_deferred():
        results_json.publish(staged, final)
    print_summary(_condensed(doc), final / "results.json")
    _cut_short_line(config, name, doc, final)
    if code not in (ExitCode.OK, ExitCode.TESTS_FAILED):
        print(f"cognito-conformance: error: {name}: pytest ended with exit code {code} "
              "(see its output above)", file=sys.stderr)
        return max(exit_code(doc), EXIT_UNEXPECTED)
    return exit_code(doc)


def _cut_off(result: dict) -> str | None:
    """`stopped` / `deadline` for a result the breaker or the deadline decided, else None."""
    from conformance.wire import STOPPED

    message = str(result.get("message", ""))
    if result.get("outcome") != "error":
        return None
    if result.get("unreachable") or message.startswith(STOPPED):
        return "stopped"
    return "deadline" if message.startswith("run deadline") else None


def _condensed(doc: dict) -> dict:
    """The summary without one line per check the breaker or the deadline cut off (the
    counts stay whole): one stderr line says it instead (_cut_short_line)."""
    return {**doc, "checks": [c for c in doc["checks"] if not _cut_off(c)]}


def _cut_short_line(config: RunConfig, name: str, doc: dict, final: Path) -> None:
    """ONE stderr line when the target stopped answering or the deadline passed."""
    results = doc["checks"] + doc["observations"]
    cut = [_cut_off(r) for r in results]
    if "stopped" in cut:
        first = next(r for r, c in zip(results, cut) if c == "stopped")
        why = str(first.get("message", ""))[:200]
        print(f"cognito-conformance: error: {name}: target stopped answering at "
              f"{doc['target'].get('endpoint') or config.endpoint}: {cut.count('stopped')} "
              f"of {len(results)} checks and observations are errors ({why}); report: "
              f"{final / 'results.json'}", file=sys.stderr)
    elif "deadline" in cut:
        print(f"cognito-conformance: error: {name}: run deadline of {config.deadline_s:g} s "
              f"passed: {cut.count('deadline')} of {len(results)} checks and observations "
              f"did not run (errors); report: {final / 'results.json'}", file=sys.stderr)


def _attach_info(target: Target) -> dict[str, str]:
    info = getattr(target, "attach_info", None)
    return dict(info()) if callable(info) else {}


def cmd_targets(args: argparse.Namespace) -> int:
    for name in available_targets():
        print(name)
    return EXIT_OK


def cmd_checks(args: argparse.Namespace) -> int:
    from conformance.checks import all_checks

    for item in all_checks():
        caps = f" requires={','.join(sorted(item.requires))}" if item.requires else ""
        print(f"{item.id}\t{item.category}\t{item.operation}{caps}")
    from conformance.generated.pairs import (
        all_observations, all_pairs, observation_id, pair_id,
    )

    for operation, generated in all_pairs():
        print(f"{pair_id(operation, generated)}\tgenerated\t{operation}")
    for operation, kind in all_observations():
        print(f"{observation_id(operation, kind)}\tobservation\t{operation}")
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace) -> int:
    """Rebuild reports/index.html, matrix.md and matrix.json quietly: one stderr line per
    file written, nothing on stdout."""
    from conformance.reporting.matrix import write_matrix_and_tell

    write_matrix_and_tell(Path(args.reports))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from conformance.reporting.diff import diff_runs, render_diff

    changes = diff_runs(Path(args.old), Path(args.new))
    print(render_diff(changes))
    return EXIT_UNEXPECTED if any(c.regression for c in changes) else EXIT_OK


def cmd_badges(args: argparse.Namespace) -> int:
    from conformance.reporting.badges import write_badges

    for path in write_badges(Path(args.reports)):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_spec(args: argparse.Namespace) -> int:
    from conformance.spec import generate

    for path in generate.write(args.what):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_cleanup(args: argparse.Namespace) -> int:
    from conformance.cleanup import run_cleanup
    from conformance.targets.process import sweep_dead_runs

    config = from_sources(vars(args), target=args.cc_target or "aws")
    killed = sweep_dead_runs()  # emulators and temp dirs of killed runs on this machine
    if killed:
        print(f"cleanup: stopped {len(killed)} leftover process(es) of dead runs",
              file=sys.stderr)
    return EXIT_UNEXPECTED if run_cleanup(config, args.prefix) else EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from conformance.reporting.baseline import draft_entries, update_file

    files = [Path(f) for f in args.results]
    if args.update:
        print(update_file(Path(args.update), files, args.prune), file=sys.stderr)
        return EXIT_OK
    print(draft_entries(files, args.keep_expected), end="")
    return EXIT_OK


_COMMANDS = {"run": cmd_run, "targets": cmd_targets, "checks": cmd_checks,
             "matrix": cmd_matrix, "diff": cmd_diff, "spec": cmd_spec,
             "cleanup": cmd_cleanup, "baseline": cmd_baseline, "badges": cmd_badges}


if __name__ == "__main__":
    sys.exit(main())
