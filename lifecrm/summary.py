"""What `lifecrm run` prints at the end: what the run did (rows per export, quarantined, checks,
models built, scores written, published or not and why), where the warehouse is, what it holds,
what to ask it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from lifecrm import publish, settings
from lifecrm.warehouse_file import connect_read_only

SCHEMAS = ("raw", "staging", "marts", "features", "ml", "strategic", "tactical")

QUERIES_TO_TRY = [
    (
        "The in-force book by product type",
        "select product_type, sum(policies_in_force) as policies,\n"
        "       sum(annualised_premium_in_force_twd) as annual_premium_twd\n"
        "from strategic.inforce_premium_by_product group by 1 order by 3 desc;",
    ),
    (
        "Today's riskiest policies and who should call",
        "select risk_rank, policy_number, round(lapse_probability_12m, 3) as p_lapse,\n"
        "       agent_name, branch, is_orphan, recommended_action\n"
        "from tactical.lapse_risk_worklist order by risk_rank limit 10;",
    ),
    (
        "How late premiums are paid, by payment method",
        "select p.payment_method, avg(f.days_late) as mean_days_late, count(*) as installments\n"
        "from marts.fct_premium_payments f join marts.dim_policy p using (policy_key)\n"
        "group by 1 order by 2;",
    ),
    (
        "How well each lapse model ranks risk (out of time), beside the truth's own probabilities",
        "select model_name, is_chosen, metric, round(value, 3) as value from ml.model_metrics\n"
        "where metric in ('roc_auc', 'expected_calibration_error') order by metric, model_name;",
    ),
    (
        "13-month persistency by issue year and channel",
        "select year(p.issue_date) as issue_year, c.channel_name,\n"
        "       round(avg(p.is_in_force_at_milestone::int), 3) as persistency\n"
        "from marts.fct_policy_persistency p join marts.dim_channel c using (channel_key)\n"
        "where p.milestone_months = 13 and p.is_milestone_reached group by all order by all;",
    ),
    (
        "How value concentrates: each value decile's share (the bottom tenth costs money)",
        "select value_decile, customers, round(share_of_value, 3) as share_of_value,\n"
        "       round(share_of_historical_margin, 3) as share_of_margin\n"
        "from ml.value_concentration order by value_decile desc;",
    ),
    (
        "The CRM scorecard: the four criteria side by side, the whole book, the last six months",
        "select month_start_date, round(complaint_resolution_days, 1) as complaint_days,\n"
        "       round(csat_mean, 2) as csat, round(nps) as nps, round(persistency_13m, 3) as p13,\n"
        "       round(margin_per_customer_twd) as margin_per_customer_twd\n"
        "from strategic.crm_scorecard where segment_name = 'all' and channel_code = 'all'\n"
        "order by month_start_date desc limit 6;",
    ),
    (
        "The paper's query: asked about insurance, was sent the information, has not bought",
        "select product_type, preferred_channel, count(*) as customers\n"
        "from tactical.prospect_followup where not is_control_group group by all order by 3 desc;",
    ),
    (
        "Who to offer what next (empty while no cross-sell model passes its floor)",
        "select lead_rank, customer_key[:12] as customer,\n"
        "       round(purchase_probability_12m, 3) as p_buy, next_best_product_type,\n"
        "       value_decile, segment_name, servicing_agent_name\n"
        "from tactical.cross_sell_list order by lead_rank limit 10;",
    ),
    (
        "The customer segments",
        "select segment_name, customers, round(mean_age_years) as age,\n"
        "       round(mean_annualised_premium_in_force_twd) as premium_twd\n"
        "from ml.segment_profiles order by segment_id;",
    ),
]


SCORE_COUNTS = ("policies_scored", "customers_scored")
GX_QUARANTINE = re.compile(r"^(raw/\w+):gx_\w+: (\d+ of \d+ rows quarantined)( \(.*)?$", re.S)


def accounting(outcome, exports: list[str]) -> dict[str, tuple[int, int, int, int]] | None:
    """Per export (`raw/<name>`): files, rows read, quarantined and refused over every file
    loaded so far, from `raw.row_accounting` in the warehouse the run wrote (published, or kept
    unpublished), the table its Great Expectations check counts from. None if it is unreadable."""
    kept = publish.working_path(outcome.run_id)
    warehouse = settings.warehouse_path() if outcome.published else kept
    if not exports or not warehouse.is_file():
        return None
    try:
        con = connect_read_only(warehouse, wait_seconds=10)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(
            "select 'raw/' || export, count(*), sum(rows_read), sum(rows_quarantined), "
            "sum(coalesce(rows_refused, 0)) from raw.row_accounting group by all"
        ).fetchall()
    except duckdb.Error:  # a run that loaded nothing yet, or an older warehouse
        return None
    finally:
        con.close()
    return {key: tuple(int(v or 0) for v in values) for key, *values in rows}


def _export_table(outcome, exports: list[str]) -> list[str]:
    meta = outcome.metadata
    counts = accounting(outcome, exports)
    if counts is None:  # no warehouse to read: what the loading steps said
        lines = [f"  {'export':<24} {'rows loaded':>12} {'new files':>10}"]
        for key in exports:
            m = meta[key]
            lines.append(
                f"  {key.removeprefix('raw/'):<24} {m.get('rows_loaded', 0):>12,} "
                f"{m.get('files_loaded', 0):>10}"
            )
        return lines
    lines = [
        "  every file loaded so far (raw.row_accounting; rows read = passed + quarantined "
        "+ refused):",
        f"  {'export':<24} {'files':>6} {'new':>4} {'rows read':>11} {'quarantined':>12} "
        f"{'refused':>8}",
    ]
    for key in exports:
        files, read, quarantined, refused = counts.get(key, (0, 0, 0, 0))
        lines.append(
            f"  {key.removeprefix('raw/'):<24} {files:>6} {meta[key].get('files_loaded', 0):>4} "
            f"{read:>11,} {quarantined:>12,} {refused:>8,}"
        )
    return lines


def _warning(text: str) -> str:
    """A warned check, in a line: a GX check's broken rules are left to the log and Data Docs
    (the table above has its counts), any other warning is kept whole."""
    found = GX_QUARANTINE.match(text)
    if found:
        table = f"quarantine.{found[1].removeprefix('raw/')}"
        return f"{found[1]}: {found[2]} (the rows and the rules they broke: {table})"
    return text


def render_run(outcome, log_path: Path | None = None) -> str:
    """The run summary, from a `lifecrm.orchestration.RunOutcome`."""
    meta = outcome.metadata
    exports = sorted(key for key in meta if key.startswith("raw/"))
    models = [key for key in meta if not key.startswith(("raw/", "ml/"))]
    lines = [f"Run {outcome.run_id}: {outcome.materialized} assets materialised"]
    if exports:
        lines += _export_table(outcome, exports)
    failed = len(outcome.failed_checks) + len(outcome.unevaluated_checks)
    lines.append(
        f"  checks: {outcome.passed_checks} passed, {failed} failed, "
        f"{len(outcome.warned_checks)} warned"
    )
    lines.append(f"  other assets built (dbt models, seeds, snapshots, reports): {len(models)}")
    for m in meta.values():
        if {"model", "version", "promoted"} <= m.keys():
            verdict = "promoted" if m["promoted"] else "not promoted"
            reason = str(m.get("reason", "")).removeprefix(f"{verdict}: ")
            lines.append(f"  model {m['model']} v{m['version']} trained, {verdict}: {reason}")
    for key, m in meta.items():
        for name in SCORE_COUNTS:
            if name in m:
                note = f" ({m['not_scored_because']})" if m.get("not_scored_because") else ""
                lines.append(f"  {key}: {m[name]:,} {name.replace('_', ' ')}{note}")
    for warning in outcome.warned_checks:
        lines.append(f"  warning: {_warning(warning)}")
    if outcome.published:
        lines.append(f"  published {settings.warehouse_path()} in {outcome.publish_seconds:.1f} s")
        lines.append(
            f"  the marts, features, ml, strategic and tactical tables also as Parquet in "
            f"{publish.parquet_dir()}"
        )
    else:
        lines.append(f"  {outcome.publish_reason}")
    if log_path is not None:
        lines.append(f"  the full log: {log_path}")
    return "\n".join(lines)


def table_counts(warehouse: Path) -> list[tuple[str, str, int]]:
    con = connect_read_only(warehouse)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ? order by table_schema, table_name",
            [list(SCHEMAS)],
        ).fetchall()
        return [
            (
                schema,
                name,
                con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0],
            )
            for schema, name in tables
        ]
    finally:
        con.close()


def render(warehouse: Path) -> str:
    lines = [f"The warehouse is {warehouse}", ""]
    for schema, name, rows in table_counts(warehouse):
        lines.append(f"  {schema + '.' + name:<50} {rows:>12,} rows")
    lines += ["", f"Query it with the duckdb CLI (duckdb -readonly {warehouse}) or Python; try:"]
    for title, sql in QUERIES_TO_TRY:
        lines += ["", f"-- {title}", sql]
    return "\n".join(lines)
