"""The `lifecrm` command: generate a simulated insurer, run the pipeline, open the UI."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date
from pathlib import Path

from lifecrm import landing_cli, pii_key, run_log, settings

# PySpark (the spark extra) warns about pandas 3 whenever Great Expectations imports it, which
# every command that validates does; lifecrm never runs PySpark on pandas, so a person need not
# read it on every command.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from exc


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def cmd_generate(args: argparse.Namespace) -> int:
    from lifecrm.progress import ProgressBar
    from simulator import (
        DefectRates,
        WorldConfig,
        generate_next_day,
        generate_resend,
        generate_world,
    )

    data = settings.data_dir()
    progress = ProgressBar()
    if args.resend:
        batch = generate_resend(data, args.resend, progress=progress)
        print(f"re-sent {args.resend} corrected, as {batch.name}/{Path(args.resend).name}")
        return 0
    if args.next_day:
        batch = generate_next_day(data, progress=progress)
        print(f"wrote the next day's batch to {batch}")
        return 0
    config = WorldConfig(customers=args.customers, start=args.start, end=args.end, seed=args.seed)
    rates = DefectRates.none() if args.clean else DefectRates()
    _refuse_another_world(data, config, rates)
    defects = "no defects" if args.clean else "planted defects (see truth/defects.csv)"
    print(
        f"generating {config.customers:,} customers, {config.start} to {config.end}, "
        f"seed {config.seed}, {defects} ..."
    )
    batch = generate_world(config, data, rates=rates, progress=progress)
    print(f"wrote the initial extract to {batch}")
    print(f"wrote the ground truth to {data / 'truth'} (the pipeline never reads it)")
    # the simulated world's own pseudonymisation key; real deliveries need LIFECRM_PII_KEY
    print(f"the world's pseudonymisation key: {pii_key.create_simulated_world_key(data)}")
    return 0


def _refuse_another_world(data: Path, config, rates) -> None:
    """Regenerating the same world rewrites identical files; a different one would change files
    the warehouse has already loaded, which ingestion refuses: say so before writing anything."""
    from simulator.generate import load_world

    if not (data / "truth" / "world.json").is_file():
        return
    existing, _, existing_rates = load_world(data)
    if (existing, existing_rates) != (config, rates):
        raise ValueError(
            f"{data} already holds a different simulated world ({existing.customers:,} customers, "
            f"seed {existing.seed}); delete {data} or set {settings.DATA_DIR_ENV} to another "
            "folder to generate a new one"
        )


def cmd_run(args: argparse.Namespace) -> int:
    from lifecrm.ingest.landing import LandingError, batch_dirs
    from lifecrm.orchestration import materialize

    try:
        if not batch_dirs(settings.landing_dir()):
            raise LandingError(
                f"no batch in {settings.landing_dir()}: run `lifecrm generate` first"
            )
    except LandingError as exc:
        print(f"lifecrm run: {exc}", file=sys.stderr)
        return 2
    _refuse_another_key()
    with run_log.RunLog("run", args.output) as log:
        log.say("lifecrm run: loading the pipeline definitions ...")
        outcome = materialize(args.select, output=log)
        log.finished(outcome)
        return _report(outcome, log)


def cmd_rekey(args: argparse.Namespace) -> int:
    from lifecrm import rekey

    warehouse = settings.warehouse_path()
    key = pii_key.resolve(settings.data_dir())
    if not warehouse.exists():
        print(f"lifecrm rekey: no warehouse at {warehouse}: `lifecrm run` builds one with this key")
        return 0
    if rekey.is_keyed_with(warehouse, key):
        print("lifecrm rekey: the warehouse is already pseudonymised with this key")
        return 0
    days = rekey.landed_days()
    kept = rekey.move_aside(warehouse)
    print(
        f"lifecrm rekey: moved the warehouse keyed with the old key to {kept}; running the "
        f"{len(days)} landed day(s) again under the new key"
    )
    again = argparse.Namespace(
        from_=date.fromisoformat(days[0]), to=date.fromisoformat(days[-1]), select=args.select,
        again=True, output=args.output,
    )  # fmt: skip
    done = cmd_backfill(again)
    if done == 0:
        print(f"lifecrm rekey: done; remove {kept} once you no longer need the old keys")
    else:
        print(
            f"lifecrm rekey: the rebuild stopped; {kept} is the warehouse as it was (move it back "
            "to restore it, with the old key)",
            file=sys.stderr,
        )
    return done


def _refuse_another_key() -> None:
    """Before loading anything: a key is needed, and it must be the one the warehouse was keyed
    with (dbt refuses too, for runs started elsewhere; this says it in a second, not a minute)."""
    from lifecrm import rekey

    key = pii_key.resolve(settings.data_dir())
    warehouse = settings.warehouse_path()
    recorded = rekey.recorded_check(warehouse) if warehouse.exists() else None
    if recorded not in (None, pii_key.check_value(key)):
        raise pii_key.PiiKeyError(
            f"{warehouse} was pseudonymised with another key than the one {pii_key.KEY_ENV} (or "
            "the simulated world's secrets/pii.key) gives now: run with the key it was built "
            "with, or re-key it with `lifecrm rekey` (docs/operations.md)"
        )


def _report(outcome, log=None) -> int:
    from lifecrm.summary import render, render_run

    print()
    print(render_run(outcome, log.path if log else None))
    _report_held_back(outcome)
    if outcome.left_out_checks:
        print(
            f"\nleft out {len(outcome.left_out_checks)} check(s) this selection cannot evaluate "
            f"(a test of a parent not selected): {_names(outcome.left_out_checks)}"
        )
    if not outcome.success:
        print(f"\nlifecrm run: run {outcome.run_id} failed.", file=sys.stderr)
        for step in outcome.failed_steps:
            print(f"  failed step: {step}", file=sys.stderr)
        for check in outcome.failed_checks:
            print(f"  failed check: {check}", file=sys.stderr)
        for check in outcome.unevaluated_checks:
            print(f"  check planned but never evaluated: {check}", file=sys.stderr)
        if outcome.skipped_checks:
            print(
                f"  not run, as a step before them failed: {len(outcome.skipped_checks)} "
                f"check(s): {_names(outcome.skipped_checks)}",
                file=sys.stderr,
            )
        print(f"  {outcome.publish_reason}", file=sys.stderr)
        print(
            "  What next: fix what the failed step or check names (a refused file: `lifecrm "
            "landing status`), then run `lifecrm run` again; the full log is in the Dagster UI "
            "(`make dev`).",
            file=sys.stderr,
        )
        return 1
    if log is None or log.listing:
        print()
        print(render(settings.warehouse_path()))
    return 0


def _names(checks: list[str], shown: int = 8) -> str:
    more = len(checks) - shown
    rest = f" and {more} more (the run's page in the UI)" if more > 0 else ""
    return ", ".join(checks[:shown]) + rest


def _report_held_back(outcome) -> None:
    """Refused files do not fail a run (the other exports go on), so say plainly what waits."""
    refused = [c for c in outcome.warned_checks if ": refused: " in c]
    if not refused:
        return
    print("\nlifecrm run: refused file(s); each holds back its export's later batches:",
          file=sys.stderr)  # fmt: skip
    for check in refused:
        print(f"  {check.split(': refused: ', 1)[1].split('; to resolve')[0]}", file=sys.stderr)
    print(
        "  What next: `lifecrm landing status` (have the source re-send the file, or accept "
        "or skip it); the rest of this run was published.",
        file=sys.stderr,
    )


def cmd_backfill(args: argparse.Namespace) -> int:
    from lifecrm.ingest.landing import batch_dirs
    from lifecrm.ingest.landing_status import published_through
    from lifecrm.orchestration import materialize

    if args.to < args.from_:
        raise ValueError(f"--to {args.to} is before --from {args.from_}")
    days = sorted(
        {
            d.name[:10]  # a later delivery of a day (<date>.2) is run with that day
            for d in batch_dirs(settings.landing_dir())
            if args.from_.isoformat() <= d.name[:10] <= args.to.isoformat()
        }
    )
    if not days:
        raise ValueError(
            f"no landed batch in {settings.landing_dir()} between {args.from_} and {args.to}: "
            "`ls` the landing folder for the dates there are"
        )
    _refuse_another_key()
    through = published_through()
    if through and not args.again:
        done = [day for day in days if day <= through]
        if done:
            print(
                f"lifecrm backfill: {', '.join(done)} already published (the warehouse holds "
                f"batches through {through}): skipped; `lifecrm run` loads anything re-sent or "
                "decided since, `--again` runs them anyway"
            )
        days = [day for day in days if day > through]
    for day in days:
        with run_log.RunLog("backfill", args.output) as log:
            log.say(f"lifecrm backfill: batch {day} ...")
            log.listing = log.listing and day == days[-1]  # the warehouse once, at the end
            outcome = materialize(args.select, batch=day, output=log)
            log.finished(outcome)
            reported = _report(outcome, log)
        if reported != 0:
            print(
                f"lifecrm backfill: stopped at {day}; the later days were not run. Fix it, then "
                f"`lifecrm backfill --from {day} --to {args.to}`.",
                file=sys.stderr,
            )
            return 1
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from lifecrm.quality import data_docs
    from lifecrm.validate import validate

    junit = args.junit or settings.data_dir() / "reports" / "validate.xml"
    report = validate(args.batch, junit, run_dbt=not args.no_dbt)
    suites: dict[str, list] = {}
    for case in report.cases:
        suites.setdefault(case.suite, []).append(case)
    for suite, cases in suites.items():
        failed = [c for c in cases if c.failure]
        status = "FAIL" if failed else "ok"
        print(f"{status:4}  {suite:<34} {len(cases):>4} checks, {len(failed)} blocking")
        for case in failed:
            print(f"      {case.name}: {case.failure}")
    print(f"\nJUnit report: {junit}")
    if data_docs.index_path().is_file():
        print(f"Data Docs:    {data_docs.index_path()}")
    return 1 if report.blocking else 0


def cmd_docs(args: argparse.Namespace) -> int:
    from lifecrm import dbt_docs

    print(f"dbt docs: {dbt_docs.generate()}")
    return dbt_docs.serve(args.port) if args.serve else 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from lifecrm.metrics import run_mf

    return run_mf(args.mf_arguments or ["--help"])


def cmd_dev(args: argparse.Namespace) -> int:
    from lifecrm.orchestration import prepare_instance

    prepare_instance()
    # Exactly a plain `dagster dev` in the project root: its code location and name come from
    # pyproject.toml's [tool.dagster], its instance from ./dagster.yaml, which keeps the storage
    # in the data directory (dagster_project/lib/instance.py).
    os.environ.pop("DAGSTER_HOME", None)
    dagster = Path(sys.executable).parent / "dagster"
    argv = [str(dagster), "dev", "-p", str(args.port), "-h", args.host]
    os.chdir(settings.PROJECT_ROOT)
    os.execv(argv[0], argv)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecrm",
        description="An analytical data warehouse for a life insurer's CRM. "
        f"Data lives in ${settings.DATA_DIR_ENV} (now {settings.data_dir()}).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate",
        help="write a simulated insurer's exports into the landing folder",
        description="Write a simulated insurer's initial extract (a dated batch of CSV files with "
        "a manifest) into <data>/landing/ and its ground truth into <data>/truth/; with "
        "--next-day, append the following day's delta batch of the same world.",
    )
    generate.add_argument(
        "--customers", type=_positive, default=5_000, help="number of customers (default 5000)"
    )
    generate.add_argument(
        "--start",
        type=_date,
        default=date(2018, 1, 1),
        help="first day of history (default 2018-01-01)",
    )
    generate.add_argument(
        "--end",
        type=_date,
        default=date(2025, 12, 31),
        help="last day of history, the batch date (default 2025-12-31)",
    )
    generate.add_argument(
        "--seed",
        type=int,
        default=42,
        help="random seed; the same arguments give the same files (default 42)",
    )
    generate.add_argument("--clean", action="store_true", help="plant no data-quality defects")
    generate.add_argument(
        "--next-day",
        action="store_true",
        help="append the next day's delta batch to the world already generated "
        "(the other options are ignored)",
    )
    generate.add_argument(
        "--resend",
        metavar="FILE",
        help="the source re-sends a delivered file (<day>/<export>.csv) corrected, as the next "
        "delivery of that day (<day>.2/); the other options are ignored",
    )
    generate.set_defaults(handler=cmd_generate)

    run = commands.add_parser(
        "run",
        help="materialise every asset (or a selection) into the warehouse",
        description="Materialise the Dagster asset graph in one run: ingest, quality checks, dbt "
        "models and tests, the ml models and the strategic and tactical tables. The run builds "
        "a working copy of the warehouse; only if it passes is that copy published, whole, onto "
        "<data>/warehouse/lifecrm.duckdb (the marts, features, ml, strategic and tactical tables "
        "also as Parquet).",
    )
    run.add_argument(
        "--select",
        metavar="SELECTION",
        help="a Dagster asset selection, e.g. 'group:ingest' or 'key:marts/dim_policy+' "
        "(default: everything)",
    )
    run_log.add_arguments(run)
    run.set_defaults(handler=cmd_run)

    backfill = commands.add_parser(
        "backfill",
        help="run the pipeline once per landed batch between two dates, in order",
        description="For each landed batch from --from to --to (inclusive), oldest first, run "
        "the pipeline loading the batches up to that day, and publish it if it passed; stops at "
        "the first day that fails. Rerunning a day already loaded changes nothing.",
    )
    backfill.add_argument("--from", dest="from_", type=_date, required=True, metavar="DATE")
    backfill.add_argument("--to", type=_date, required=True, metavar="DATE")
    backfill.add_argument("--select", metavar="SELECTION", help="as for `lifecrm run`")
    backfill.add_argument(
        "--again", action="store_true", help="also run the days already published"
    )
    run_log.add_arguments(backfill)
    backfill.set_defaults(handler=cmd_backfill)

    rekey = commands.add_parser(
        "rekey",
        help="pseudonymise the warehouse again under a new LIFECRM_PII_KEY",
        description="Rotate the pseudonymisation key: with the new key in LIFECRM_PII_KEY, move "
        "the published warehouse aside and run every landed day again, in order, so that every "
        "table and the customer history are keyed with the new key (docs/operations.md).",
    )
    rekey.add_argument("--select", metavar="SELECTION", help="as for `lifecrm run`")
    run_log.add_arguments(rekey)
    rekey.set_defaults(handler=cmd_rekey)

    landing_cli.add_parser(commands)

    check = commands.add_parser(
        "validate",
        help="check the landed batches (or one) without publishing anything; JUnit report",
        description="Load the landed batches (or only --batch) into a scratch copy of the "
        "warehouse, run every Great Expectations suite and the dbt tests there, print a summary "
        "per export, write a JUnit XML report, and exit 1 on a blocking failure.",
    )
    check.add_argument("--batch", type=_date, help="only this batch date (YYYY-MM-DD)")
    check.add_argument(
        "--junit", type=Path, help="report path (default <data>/reports/validate.xml)"
    )
    check.add_argument(
        "--no-dbt", action="store_true", help="skip building and testing the dbt models"
    )
    check.set_defaults(handler=cmd_validate)

    docs = commands.add_parser(
        "docs",
        help="build dbt's documentation site of the warehouse (and serve it)",
        description="Build dbt's docs site (every model and column described, tests, lineage, "
        "the warehouse's catalog) into <data>/dbt/docs; with --serve, serve it on --port.",
    )
    docs.add_argument("--serve", action="store_true", help="serve the site after building it")
    docs.add_argument("--port", type=int, default=8080, help="port for --serve (default 8080)")
    docs.set_defaults(handler=cmd_docs)

    metrics = commands.add_parser(
        "metrics",
        help="query the metrics of the dbt semantic layer with MetricFlow (`mf ...`)",
        description="Run MetricFlow's `mf` on the warehouse, e.g. `lifecrm metrics query "
        "--metrics annualised_premium --group-by metric_time__year,channel__channel_name`; "
        "`lifecrm metrics list metrics` lists them.",
    )
    metrics.add_argument(
        "mf_arguments", nargs=argparse.REMAINDER, help="arguments for `mf` (query, list, ...)"
    )
    metrics.set_defaults(handler=cmd_metrics)

    dev = commands.add_parser(
        "dev",
        help="start the Dagster UI on this project",
        description="Start `dagster dev` on lifecrm's code location and instance.",
    )
    dev.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    dev.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    dev.set_defaults(handler=cmd_dev)
    return parser


def main(argv: list[str] | None = None) -> int:
    from lifecrm.ingest.landing import LandingError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, LandingError, pii_key.PiiKeyError) as exc:  # bad input: one line, exit 2
        print(f"lifecrm {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
