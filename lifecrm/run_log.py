"""What `lifecrm run` and `lifecrm backfill` print while they work, and the full log they keep.

The console gets a line per stage of the run (`lifecrm/run_progress.py`), or with `--quiet` only
the summary and errors, or with `--verbose` the whole Dagster and dbt log as it comes. Whatever
the console shows, every Dagster event and every line dbt or a library writes goes, without
colour codes, to `<data>/logs/run-<run id>.log`, which the summary names. Colour codes reach
the console only when it is a terminal.

How: a Dagster logger of our own replaces the job's coloured console logger (it sees every
event, debug level included); while a run works, `sys.stdout` and `sys.stderr` are swapped for
tees that copy everything written to them (dbt's lines, which dagster-dbt writes to stdout,
warnings) into the log file and pass it on to the console only with `--verbose`."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import TextIO

from lifecrm import settings
from lifecrm.run_progress import RunProgress, error_text

QUIET, NORMAL, VERBOSE = "quiet", "normal", "verbose"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
DBT_NODE = re.compile(r"^(\d+) of (\d+) (?!START)")  # dbt's '12 of 297 OK created ...'
LOGGER_NAME = "lifecrm"


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--quiet` / `--verbose` for a command that runs the pipeline."""
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        dest="output",
        action="store_const",
        const=QUIET,
        default=NORMAL,
        help="print only the run summary and errors",
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        dest="output",
        action="store_const",
        const=VERBOSE,
        help="stream the whole Dagster and dbt log (it always goes to <data>/logs/ too)",
    )


def logs_dir() -> Path:
    return settings.data_dir() / "logs"


class _Tee:
    """A stand-in for sys.stdout / sys.stderr: all of it to the log, to the console if `echo`."""

    def __init__(self, console: TextIO, log: RunLog) -> None:
        self.console, self.log, self.echo = console, log, False
        self._partial = ""

    def write(self, text: str) -> int:
        self.log.to_file(text, raw=True)
        if self.echo:
            self.console.write(text)
        elif self.log.progress is not None:
            self._partial += text
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                found = DBT_NODE.match(strip_ansi(line))
                if found:
                    self.log.progress.dbt_progress(int(found[1]), int(found[2]))
        return len(text)

    def flush(self) -> None:
        self.console.flush()

    def isatty(self) -> bool:
        return self.echo and self.console.isatty()

    def fileno(self) -> int:
        return self.console.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.console, "encoding", "utf-8")

    def __getattr__(self, name: str):
        return getattr(self.console, name)


class _Handler(logging.Handler):
    def __init__(self, log: RunLog) -> None:
        super().__init__(logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log.record(record)
        except Exception:  # a broken display must not fail the run
            self.handleError(record)


class RunLog:
    """One run's output: the console at the chosen loudness, the full log in a file. Use it as a
    context manager around `materialize(..., output=log)` and the printing of its summary."""

    def __init__(self, command: str, loudness: str = NORMAL) -> None:
        self.command, self.loudness = command, loudness
        self.listing = loudness != QUIET  # the warehouse's tables and queries after the summary
        self.run_id = str(uuid.uuid4())  # chosen here, so the log file is named from the start
        self.path = logs_dir() / f"run-{self.run_id}.log"
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.tty = self.stderr.isatty()
        self.started = time.monotonic()
        self.progress: RunProgress | None = None
        self.instance = None
        self._file: TextIO | None = None
        self._tees: list[_Tee] = []
        self._lock = threading.RLock()
        self._status_width = 0
        self._colors: str | None = None

    # -- the streams ---------------------------------------------------------------------------
    def __enter__(self) -> RunLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.to_file(f"{self._now()} - lifecrm {self.command} - run {self.run_id}\n")
        self._colors = os.environ.get("DBT_USE_COLORS")
        verbose_tty = self.loudness == VERBOSE and self.stdout.isatty()
        os.environ["DBT_USE_COLORS"] = "true" if verbose_tty else "false"
        self._tees = [_Tee(self.stdout, self), _Tee(self.stderr, self)]
        sys.stdout, sys.stderr = self._tees
        self._echo(self.loudness == VERBOSE)
        if self.loudness != QUIET:
            status = self._status if self.tty else None
            self.progress = RunProgress(self._line, status, started=self.started)
        return self

    def __exit__(self, *exc) -> None:
        self._clear_status()
        sys.stdout, sys.stderr = self.stdout, self.stderr
        if self._colors is None:
            os.environ.pop("DBT_USE_COLORS", None)
        else:
            os.environ["DBT_USE_COLORS"] = self._colors
        if self._file is not None:
            self._file.close()
            self._file = None

    def _echo(self, on: bool) -> None:
        for tee in self._tees:
            tee.echo = on

    def to_file(self, text: str, raw: bool = False) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write(strip_ansi(text) if raw else text)

    def _elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:4.0f} s]"

    @staticmethod
    def _now() -> str:
        return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")

    # -- the console ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """A line of progress: on the console unless --quiet, and in the log."""
        self.to_file(f"{self._now()} - lifecrm - {text}\n")
        if self.loudness != QUIET:
            self._line(text)

    def error(self, text: str) -> None:
        """A line on the console whatever the loudness, and in the log."""
        self.to_file(f"{self._now()} - lifecrm - ERROR - {text}\n")
        if self.loudness != VERBOSE:  # --verbose has printed it already, with the traceback
            self._line(text)

    def _line(self, text: str) -> None:
        with self._lock:
            self._clear_status()
            self.stderr.write(text + "\n")
            self.stderr.flush()

    def _status(self, text: str) -> None:
        with self._lock:
            width = max(20, _terminal_width() - 1)
            text = text[:width]
            self.stderr.write("\r" + text.ljust(self._status_width))
            self._status_width = len(text)
            self.stderr.flush()

    def _clear_status(self) -> None:
        if self._status_width:
            self.stderr.write("\r" + " " * self._status_width + "\r")
            self._status_width = 0

    def finished(self, outcome) -> None:
        """After `materialize`: the publish's line, and the console back for the summary."""
        self._echo(True)
        if outcome.published:
            self.say(f"  publish: published in {outcome.publish_seconds:.1f} s")
        else:
            self.say(f"  publish: {outcome.publish_reason.split(':')[0]}")

    # -- Dagster -------------------------------------------------------------------------------
    def instrument(self, job, instance) -> tuple[object, dict]:
        """The job with this log as its only logger, and the arguments for `execute_in_process`
        (its run config and run id)."""
        import dagster as dg

        self.instance = instance
        self.say(f"  {self._elapsed()} definitions loaded; planning the run ...")
        definition = dg.LoggerDefinition(
            lambda _: self._logger(),
            description="lifecrm's run log: a line per stage, the full log in a file",
        )
        job = job.with_logger_defs({LOGGER_NAME: definition})
        return job, {"run_config": {"loggers": {LOGGER_NAME: {}}}, "run_id": self.run_id}

    def _logger(self) -> logging.Logger:
        logger = logging.Logger(f"lifecrm.run.{self.run_id}", logging.DEBUG)
        logger.addHandler(_Handler(self))
        return logger

    def record(self, record: logging.LogRecord) -> None:
        """A Dagster log record (a message or an event) of the run."""
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        line = f"{self._now()} - dagster - {record.levelname} - {record.getMessage()}"
        self.to_file(line + "\n")
        if self.loudness == VERBOSE:
            if record.levelno >= logging.INFO:
                with self._lock:
                    self.stderr.write(line + "\n")
                    self.stderr.flush()
            return
        if event is not None:
            if event.event_type_value == "PIPELINE_START":
                self._plan()
            if event.event_type_value == "STEP_FAILURE":
                error = event.step_failure_data.error
                self.error(f"  failed: {event.step_key}: {error_text(error)}")
            if self.progress is not None:
                with self._lock:
                    self.progress.event(event)
        elif record.levelno >= logging.WARNING and self.loudness == NORMAL:
            self._line(f"  warning: {meta.get('step_key') or 'run'}: {meta.get('orig_message')}")

    def _plan(self) -> None:
        """The steps the run will take, from the events Dagster stored when it planned it."""
        if self.progress is None or self.instance is None:
            return
        import dagster as dg

        planned = []
        for kind in (
            dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        ):
            records = self.instance.get_records_for_run(self.run_id, of_type=kind, limit=100_000)
            for entry in (r.event_log_entry for r in records.records):
                event = entry.dagster_event
                if kind == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
                    key = event.event_specific_data.asset_key
                else:
                    key = event.asset_check_planned_data.asset_check_key.asset_key
                planned.append((entry.step_key, list(key.path), kind.name.startswith("ASSET_M")))
        self.progress.plan(planned)
        self.say(
            f"  {self._elapsed()} run {self.run_id}: {self.progress.steps_total} steps; "
            f"the full log is {self.path}"
        )


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 20)).columns
