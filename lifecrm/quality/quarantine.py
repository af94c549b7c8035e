"""Quarantine and row accounting: what validation found, kept beside the raw rows.

Rows that break a row-level rule are listed in `quarantine.<export>` (source file and line, the
rules broken); when a batch-level rule fails, or more than `max_quarantined_share` of a file's
rows break rules, the whole file is refused and every row of it is listed. Staging reads only
rows that are not listed. `raw.row_accounting` shows, per file: rows read = passed + quarantined
+ refused, and the file's status (loaded, refused, skipped, accepted, redelivered).
"""

from __future__ import annotations

import duckdb

from lifecrm.ingest.raw_loader import ensure_accounting
from lifecrm.quality.gx_suites import SuiteOutcome

DEFAULT_MAX_QUARANTINED_SHARE = 0.05
NOW = "cast(current_timestamp as timestamp)"
# the manifest row of a file's loaded content (not a refusal recorded before reading it)
LOADED_READING = "(rows_loaded > 0 or refusal_reason is null)"


def record(
    con: duckdb.DuckDBPyConnection,
    export: str,
    outcome: SuiteOutcome,
    files: list[str],
    max_share: float = DEFAULT_MAX_QUARANTINED_SHARE,
    accept: bool = False,
) -> dict[str, str]:
    """Write the outcome of validating `files`; returns the files refused whole, with why.
    `accept` (a data team's decision on a refused file) refuses nothing: the rows that break
    row rules are quarantined whatever their share, and batch rules are reported only."""
    ensure_accounting(con)
    refused: dict[str, str] = {}
    failing = outcome.failing
    con.register("_failing", failing)
    try:
        for file in files:
            con.execute(
                f"delete from quarantine.{export} where _raw_line is null and _source_file = ?",
                [file],
            )
            loaded = con.execute(
                "select rows_loaded from raw.load_manifest where source_file = ? "
                f"and {LOADED_READING} order by loaded_at desc limit 1",
                [file],
            ).fetchall()[0][0]
            failing_here = con.execute(
                "select count(*) from _failing where _source_file = ?", [file]
            ).fetchall()[0][0]
            reasons = [] if accept else [o.rule for o in outcome.batch_failures]
            if not accept and loaded and failing_here / loaded > max_share:
                reasons.append(
                    f"{failing_here} of {loaded} rows ({failing_here / loaded:.1%}) "
                    "break row rules, "
                    f"more than the {max_share:.0%} allowed"
                )
            if reasons:
                refused[file] = "; ".join(reasons)
                con.execute(
                    f"""insert into quarantine.{export}
                    select [?], null, r._batch_date, r._source_file, r._source_line,
                        r._load_id, {NOW}
                    from raw.{export} r where r._source_file = ?""",
                    [f"batch_refused: {refused[file]}", file],
                )
            else:
                con.execute(
                    f"""insert into quarantine.{export}
                    select f._rules, null, r._batch_date, r._source_file, r._source_line,
                        r._load_id, {NOW}
                    from _failing f join raw.{export} r using (_source_file, _source_line)
                    where f._source_file = ?""",
                    [file],
                )
            con.execute(
                "update raw.load_manifest set rows_failing_rules = ?, batch_failure = ?, "
                f"validated_at = {NOW} "
                f"where source_file = ? and {LOADED_READING}",
                [failing_here, refused.get(file), file],
            )
    finally:
        con.unregister("_failing")
    return refused
