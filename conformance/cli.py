"""`cognito-conformance`: run the suite against a target, and read its reports.

Exit codes of `run` (DESIGN.md): 0 nothing unexpected; 1 unexpected failures, unexpected
passes or check errors; 2 bad usage or configuration; 3 target unreachable or broken.
Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from conformance.config import ConfigError, RunConfig, add_options, from_sources
from conformance.targets.base import Target, TargetStartError, available_targets, load_target

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_TARGET = 0, 1, 2, 3
LOCAL_EMULATORS = ("moto", "cognito-local", "ministack")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"cognito-conformance: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cognito-conformance",
                     description="Conformance suite for the Cognito user-pools API.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run the checks against a target")
    add_options(run.add_argument)
    run.add_argument("-k", dest="cc_keyword", help="only checks matching this pytest -k expr")
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
    spec = sub.add_parser("spec", help="regenerate derived spec files")
    spec.add_argument("what", choices=["status", "openapi"])
    _add_cleanup_baseline(sub)
    return parser


def _add_cleanup_baseline(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cleanup = sub.add_parser("cleanup", help="delete leftover pools named with the run prefix")
    cleanup.add_argument("--target", dest="cc_target", default=None,
                         help="aws (default) or url; url needs --endpoint")
    cleanup.add_argument("--endpoint", dest="cc_endpoint", default=None)
    cleanup.add_argument("--region", dest="cc_region", default=None)
    cleanup.add_argument("--report-dir", dest="cc_report_dir", default=None)
    cleanup.add_argument("--prefix", default=None, help="pool-name prefix (default ccf-)")
    baseline = sub.add_parser("baseline", help="draft expectations TOML entries for every "
                              "unexpected failure in a results.json")
    baseline.add_argument("results")
    baseline.add_argument("--keep-expected", action="store_true",
                          help="also re-emit still-valid entries: a whole refreshed file")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"cognito-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cognito-conformance: interrupted", file=sys.stderr)
        return 130


def cmd_run(args: argparse.Namespace) -> int:
    config = from_sources(vars(args))
    names = _target_names(config)
    worst = EXIT_OK
    for name in names:
        code = run_target(config.replace(target=name), verbose=args.verbose)
        worst = max(worst, code)
        if _interrupted():
            raise KeyboardInterrupt
    return worst


def _interrupted() -> bool:
    from conformance.targets.process import interrupted

    return interrupted()


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
    """Start one target, run the suite against it, stop it; returns the exit code."""
    target = load_target(config)
    try:
        target.start()
        caps = probe(target, config)
    except TargetStartError as exc:
        target.stop()
        print(f"cognito-conformance: error: {config.target}: {exc}", file=sys.stderr)
        return EXIT_TARGET
    try:
        return _run_pytest(config, target, caps, verbose)
    finally:
        target.stop()


def probe(target: Target, config: RunConfig) -> frozenset[str]:
    """A cheap call proving the endpoint speaks cognito-idp; returns confirmed capabilities."""
    from conformance.targets.probe import confirm_capabilities

    return confirm_capabilities(target, config)


def _run_pytest(config: RunConfig, target: Target, caps: frozenset[str], verbose: bool) -> int:
    import pytest

    from conformance.plugin import RunState
    from conformance.reporting.results_json import read
    from conformance.reporting.summary import exit_code, print_summary

    out = config.target_report_dir(target.name)
    results_file = out / "results.json"
    results_file.unlink(missing_ok=True)
    run_config = config.replace(endpoint=target.endpoint, extra=_attach_info(target))
    os.environ["CC_RUN_CONFIG"] = run_config.to_env()
    args = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider",
            "-o", "addopts=", "-o", "junit_family=xunit1", "-o", "junit_logging=no",
            "--show-capture=no", "--tb=no",
            "-W", "ignore::pytest.PytestAssertRewriteWarning",  # 2nd+ target of --target all
            "-o", "console_output_style=classic",
            f"--junitxml={out / 'junit.xml'}", f"--alluredir={out / 'allure-results'}",
            "--clean-alluredir", "-rN", "-q" if not verbose else "-v"]
    if config.keyword:
        args += ["-k", config.keyword]
    if config.workers:
        args += ["-n", str(config.workers), "--dist", "loadgroup"]  # generated: one op per worker
    pytest.main(args, plugins=[RunState(target, caps)] if not config.workers else [])
    if not results_file.exists():
        print(f"cognito-conformance: error: no check ran against {target.name} "
              "(check -k); nothing written", file=sys.stderr)
        return EXIT_UNEXPECTED
    doc = read(results_file)
    print_summary(doc, results_file)
    return exit_code(doc)


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
    from conformance.generated.pairs import all_pairs, pair_id

    for operation, generated in all_pairs():
        print(f"{pair_id(operation, generated)}\tgenerated\t{operation}")
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace) -> int:
    from conformance.reporting.matrix import render_matrix, write_matrix

    print(render_matrix(Path(args.reports)))
    for path in write_matrix(Path(args.reports)):
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from conformance.reporting.diff import diff_runs, render_diff

    changes = diff_runs(Path(args.old), Path(args.new))
    print(render_diff(changes))
    return EXIT_UNEXPECTED if any(c.regression for c in changes) else EXIT_OK


def cmd_spec(args: argparse.Namespace) -> int:
    from conformance.spec import generate

    for path in generate.write(args.what):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_cleanup(args: argparse.Namespace) -> int:
    from conformance.cleanup import run_cleanup

    config = from_sources(vars(args), target=args.cc_target or "aws")
    return EXIT_UNEXPECTED if run_cleanup(config, args.prefix) else EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from conformance.reporting.baseline import draft_entries

    print(draft_entries(Path(args.results), args.keep_expected), end="")
    return EXIT_OK


_COMMANDS = {"run": cmd_run, "targets": cmd_targets, "checks": cmd_checks,
             "matrix": cmd_matrix, "diff": cmd_diff, "spec": cmd_spec,
             "cleanup": cmd_cleanup, "baseline": cmd_baseline}


if __name__ == "__main__":
    sys.exit(main())
