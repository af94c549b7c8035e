"""A line per stage of a Dagster run, from the run's events: what `lifecrm run` shows while it
works (`lifecrm/run_log.py` feeds it the events and owns the streams).

A stage is a stretch of consecutive steps of one kind, told by their asset keys' first part (the
warehouse schema): `raw/*` is ingest, `ml/*` the models, `reports/*` the executive report and
the exports, and everything else is built by dbt (reference, staging, marts, features, strategic,
tactical: the warehouse stage, whose line counts what it built per schema). A step that only runs
checks (freshness, the vendor match rate) joins whichever stage is running."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

LAYERS = {"raw": "ingest", "ml": "ml", "reports": "reports"}
ORDER = ["warehouse", "ingest", "ml", "reports"]


def stage_of_key(key_path: list[str]) -> str:
    return LAYERS.get(key_path[0], "warehouse") if key_path else "warehouse"


def latest_stage(stages: set[str]) -> str | None:
    return max(stages, key=ORDER.index) if stages else None


def error_text(error) -> str:
    """The message a person needs from a step's `SerializableErrorInfo`: the innermost cause
    (Dagster wraps the asset's own exception in an 'Error occurred while executing op')."""
    while error is not None and error.cause is not None:
        error = error.cause
    if error is None:
        return "failed"
    message = error.message.strip()
    prefix = f"{error.cls_name}: " if error.cls_name else ""
    # 'lifecrm.ingest.landing.LandingError: ...' is noise before a message that says it all
    return message.split(": ", 1)[1] if prefix and message.startswith(error.cls_name) else message


@dataclass
class Stage:
    name: str
    started: float
    steps: int = 0
    assets: int = 0
    checks_passed: int = 0
    checks_warned: int = 0
    checks_failed: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: int = 0
    # ingest: per export, rows read and quarantined over every file loaded (its GX check's
    # figures, from raw.row_accounting) and the files loaded now
    exports: dict[str, tuple[int, int]] = field(default_factory=dict)
    files_loaded: int = 0
    models: list[str] = field(default_factory=list)
    schemas: dict[str, int] = field(default_factory=dict)  # assets built, per schema

    def describe(self) -> str:
        parts = []
        if self.exports:
            read = sum(r for r, _ in self.exports.values())
            quarantined = sum(q for _, q in self.exports.values())
            parts.append(
                f"{len(self.exports)} exports ({self.files_loaded} new files), {read:,} rows "
                f"read, {quarantined:,} quarantined"
            )
        elif self.name == "warehouse" and self.schemas:
            each = ", ".join(f"{schema} {n}" for schema, n in self.schemas.items())
            parts.append(f"{_count(self.assets, 'table')} and views built ({each})")
        elif self.assets:
            parts.append(f"{_count(self.assets, 'asset')} built")
        parts += self.models
        checks = self.checks_passed + self.checks_warned + self.checks_failed
        if checks:
            verdicts = [f"{self.checks_passed} passed"]
            verdicts += [f"{self.checks_warned} warned"] if self.checks_warned else []
            verdicts += [f"{self.checks_failed} failed"] if self.checks_failed else []
            parts.append(f"{_count(checks, 'check')}: {', '.join(verdicts)}")
        if self.failed:
            parts.append(f"FAILED: {', '.join(self.failed)}")
        if self.skipped:
            parts.append(f"{_count(self.skipped, 'step')} skipped")
        return "; ".join(parts) or _count(self.steps, "step")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class RunProgress:
    """Turns a run's Dagster events into lines: `line(text)` for lines that stay, `status(text)`
    for the one a terminal overwrites (None when the output is not a terminal)."""

    def __init__(
        self,
        line: Callable[[str], None],
        status: Callable[[str], None] | None,
        started: float | None = None,
    ) -> None:
        self.line, self.status = line, status
        self.started = started if started is not None else time.monotonic()
        self.stage_of_step: dict[str, str | None] = {}
        self.steps_total = 0
        self.steps_done = 0
        self.stage: Stage | None = None
        self.step: str | None = None
        self.dbt = ""

    def elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:4.0f} s]"

    def plan(self, planned: list[tuple[str, list[str], bool]]) -> None:
        """Each planned (step key, asset key path, is a materialisation) of the run."""
        stages: dict[str, set[str]] = {}
        for step, key, materialises in planned:
            stages.setdefault(step, set())
            if materialises:
                stages[step].add(stage_of_key(key))
        self.stage_of_step = {step: latest_stage(found) for step, found in stages.items()}
        self.steps_total = len(stages)

    def _open(self, name: str) -> None:
        self._close()
        self.stage = Stage(name, time.monotonic())
        if self.status is None:
            self.line(f"  {self.elapsed()} {name} ...")

    def _close(self) -> None:
        if self.stage is None:
            return
        took = time.monotonic() - self.stage.started
        self.line(f"  {self.elapsed()} {self.stage.name}: {self.stage.describe()} ({took:.0f} s)")
        self.stage = None

    def _show_status(self) -> None:
        if self.status is None or self.stage is None:
            return
        dbt = f", dbt {self.dbt}" if self.dbt else ""
        self.status(
            f"  {self.elapsed()} {self.stage.name} ... step {self.steps_done + 1} of "
            f"{self.steps_total or '?'} ({self.step}{dbt})"
        )

    def dbt_progress(self, done: int, total: int) -> None:
        self.dbt = f"{done}/{total}"
        self._show_status()

    def event(self, event) -> None:
        """One DagsterEvent of the run."""
        kind = event.event_type_value
        step = event.step_key
        if kind == "STEP_START":
            name = self.stage_of_step.get(step)
            if name is None and self.stage is None:
                name = "checks"
            if name is not None and (self.stage is None or self.stage.name != name):
                self._open(name)
            self.step, self.dbt = step, ""
            self._show_status()
        elif self.stage is None:
            pass
        elif kind == "ASSET_MATERIALIZATION":
            self._materialised(event.step_materialization_data.materialization)
        elif kind == "ASSET_CHECK_EVALUATION":
            self._checked(event.asset_check_evaluation_data)
        elif kind == "STEP_SUCCESS":
            self.stage.steps += 1
            self.steps_done += 1
        elif kind == "STEP_FAILURE":
            self.stage.steps += 1
            self.steps_done += 1
            self.stage.failed.append(step)
        elif kind == "STEP_SKIPPED":
            self.stage.skipped += 1
            self.steps_done += 1
        if kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            self._close()
            verdict = {"PIPELINE_SUCCESS": "finished"}.get(kind, "FAILED")
            self.line(
                f"  {self.elapsed()} run {verdict}: {self.steps_done} of "
                f"{self.steps_total} steps run"
            )

    def _materialised(self, materialization) -> None:
        stage = self.stage
        stage.assets += 1
        schema = materialization.asset_key.path[0]
        stage.schemas[schema] = stage.schemas.get(schema, 0) + 1
        meta = {name: value.value for name, value in materialization.metadata.items()}
        if materialization.asset_key.path[0] == "raw":
            stage.files_loaded += int(meta.get("files_loaded") or 0)
        if {"model", "version", "promoted"} <= meta.keys():
            verdict = "promoted" if meta["promoted"] else "not promoted"
            stage.models.append(f"{meta['model']} v{meta['version']} {verdict}")

    def _checked(self, check) -> None:
        stage = self.stage
        if check.passed:
            stage.checks_passed += 1
        elif check.severity.value == "WARN":
            stage.checks_warned += 1
        else:
            stage.checks_failed += 1
        meta = {name: value.value for name, value in check.metadata.items()}
        if {"rows_read", "rows_quarantined"} <= meta.keys():
            stage.exports[check.asset_key.to_user_string()] = (
                int(meta["rows_read"]),
                int(meta["rows_quarantined"]),
            )
