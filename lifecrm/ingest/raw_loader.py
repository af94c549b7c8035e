"""Load an export's batches into `raw.<export>` with DuckDB's CSV reader, every column as text.

Loading is incremental and safe to repeat: each file loaded is recorded in `raw.load_manifest`
(path, size, sha256, rows), a file already loaded is skipped, and a file that changed under the
same name is refused (a source system corrects data by sending it again in a later batch, never
by rewriting a delivered file). Batches load in date order.

Every record read is accounted for: it lands in `raw.<export>`, or, when the CSV reader cannot
parse its line (a truncated record, a broken quote), in `quarantine.<export>` with the reason;
records read = loaded + quarantined = the manifest's row count, or the file is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import duckdb

from lifecrm.db import quote_literal, scalar, table_exists
from lifecrm.ingest.encoding import utf8_copy
from lifecrm.ingest.landing import ExportFile, LandingError

MANIFEST_TABLE = "raw.load_manifest"
NOW = "cast(current_timestamp as timestamp)"  # no time zone: BI readers on DuckDB 1.1 read it


@dataclass
class LoadResult:
    table: str
    rows: int
    files_loaded: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    load_ids: list[str] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _ensure_tables(con: duckdb.DuckDBPyConnection, export: str) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists quarantine")
    con.execute(
        f"""create table if not exists {MANIFEST_TABLE} (
            export varchar, batch_date date, source_file varchar, size_bytes bigint,
            sha256 varchar, encoding varchar, rows_in_manifest bigint, rows_loaded bigint,
            rows_quarantined bigint, load_id varchar, loaded_at timestamp,
            rows_failing_rules bigint, batch_failure varchar, validated_at timestamp,
            batch_kind varchar)"""
    )
    # warehouses made by earlier versions of this table gain the newer columns
    for column, type_ in (
        ("rows_failing_rules", "bigint"),
        ("batch_failure", "varchar"),
        ("validated_at", "timestamp"),
        ("batch_kind", "varchar"),
    ):
        con.execute(f"alter table {MANIFEST_TABLE} add column if not exists {column} {type_}")
    con.execute(
        f"""create table if not exists quarantine.{export} (
            _rules varchar[], _raw_line varchar, _batch_date date, _source_file varchar,
            _source_line bigint, _load_id varchar, _loaded_at timestamp)"""
    )


def _already_loaded(con, path: str) -> str | None:
    rows = con.execute(
        f"select sha256 from {MANIFEST_TABLE} where source_file = ?", [path]
    ).fetchall()
    return rows[0][0] if rows else None


def _header(path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [name.strip() for name in handle.readline().rstrip("\r\n").split(",")]


def _add_new_columns(con, table: str, columns: list[str]) -> list[str]:
    """Columns the raw table has not seen: kept (as text) and reported, never dropped."""
    existing = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    added = [c for c in columns if c not in existing]
    for column in added:
        con.execute(f'alter table {table} add column "{column}" varchar')
    return added


def _record_lines(con: duckdb.DuckDBPyConnection, path: str, records: int) -> bool:
    """Map each record to the physical line it starts on, in temp table `_record_lines`
    (record_no 1 = the first data record). Records are lines unless a quoted field holds a line
    break; only then is the file read line by line, and a line starts a record when the quotes
    before it are balanced. Returns False when records and lines coincide."""
    lines = con.execute(
        "select count(*) from read_csv(?, columns = {'text': 'varchar'}, delim = chr(31), "
        "quote = '', escape = '', header = false, auto_detect = false)",
        [path],
    ).fetchall()[0][0]
    if lines == records + 1:
        return False
    con.execute(
        "create or replace temp table _physical as select text from read_csv(?, "
        "columns = {'text': 'varchar'}, delim = chr(31), quote = '', escape = '', "
        "header = false, auto_detect = false)",
        [path],
    )
    con.execute(
        """create or replace temp table _record_lines as
        with numbered as (
            select row_number() over (order by rowid) as physical_line,
                   length(coalesce(text, ''))
                       - length(replace(coalesce(text, ''), '"', '')) as quotes
            from _physical
        ),
        balanced as (
            select physical_line,
                   coalesce(sum(quotes) over (order by physical_line rows between unbounded
                            preceding and 1 preceding), 0) % 2 = 0 as starts_record
            from numbered
        )
        select row_number() over (order by physical_line) - 1 as record_no, physical_line
        from balanced where starts_record"""
    )
    con.execute("drop table _physical")
    return True


def load_file(
    con: duckdb.DuckDBPyConnection,
    export: str,
    file: ExportFile,
    required: list[str],
    result: LoadResult,
) -> None:
    path = str(file.path)
    previous = _already_loaded(con, path)
    if previous == file.sha256:
        result.files_skipped += 1
        return
    if previous is not None:
        raise LandingError(
            f"{path} was loaded before with sha256 {previous} and has changed since "
            f"(now {file.sha256}); a delivered file must not change: refusing it"
        )
    table = f"raw.{export}"
    load_id = uuid.uuid4().hex
    with utf8_copy(file.path) as (readable, encoding):
        header = _header(readable)
        missing = [c for c in required if c not in header]
        if missing:
            raise LandingError(
                f"{path}: required column(s) {', '.join(missing)} missing from the header "
                f"(found: {', '.join(header)}); refusing the batch's {export}"
            )
        # the reader appends to its rejects tables: start each file with empty ones
        con.execute("drop table if exists _rejects")
        con.execute("drop table if exists _reject_scans")
        con.execute(
            "create or replace temp table _landing as select * from read_csv("
            f"{quote_literal(str(readable))}, header = true, all_varchar = true, "
            "store_rejects = true, rejects_table = '_rejects', rejects_scan = '_reject_scans')"
        )
        # one row per unreadable record (the reader reports each of its errors separately)
        rejected = con.execute(
            "with errors as (select line, csv_line, lower(error_type) "
            "|| coalesce(' (' || column_name || ')', '') as error from _rejects) "
            "select line, list(distinct error order by error), any_value(csv_line) "
            "from errors group by line order by line"
        ).fetchall()
        # A record's line in the file: its number plus one for the header, or, when quoted
        # fields hold line breaks, the physical line it starts on.
        mapped = _record_lines(con, str(readable), file.rows)
    loaded = scalar(con, "select count(*) from _landing")
    if loaded + len(rejected) != file.rows:
        raise LandingError(
            f"{path}: read {loaded} records and rejected {len(rejected)}, but the manifest "
            f"lists {file.rows}"
        )
    # Rejected records keep their numbers: the loaded ones are numbered around them.
    rejected_numbers = [line - 1 for line, _, _ in rejected]  # the reader counts the header
    con.execute(
        "create or replace temp table _good_records as select row_number() over (order by n) "
        "as good_no, n as record_no from range(1, ? + 1) as t(n) where not list_contains(?, n)",
        [file.rows, rejected_numbers],
    )
    line_of = "physical_line" if mapped else "record_no + 1"
    lines_join = "join _record_lines using (record_no)" if mapped else ""
    metadata = (
        f"cast({quote_literal(file.batch_date.isoformat())} as date) as _batch_date, "
        f"{quote_literal(path)} as _source_file, "
        f"cast({line_of} as bigint) as _source_line, "
        f"{quote_literal(load_id)} as _load_id, "
        f"{NOW} as _loaded_at"
    )
    select = (
        f"select landing.* exclude (good_no), {metadata} from "
        "(select *, row_number() over (order by rowid) as good_no from _landing) as landing "
        f"join _good_records using (good_no) {lines_join}"
    )
    if mapped and rejected:
        physical = dict(
            con.execute(
                "select record_no, physical_line from _record_lines "
                "where list_contains(?, record_no)",
                [rejected_numbers],
            ).fetchall()
        )
        rejected = [(physical.get(line - 1, line), errors, raw) for line, errors, raw in rejected]
    if not table_exists(con, "raw", export):
        con.execute(f"create table {table} as {select}")
    else:
        added = _add_new_columns(con, table, header)
        if added:
            result.warnings.append(f"{path}: new column(s) {', '.join(added)} kept in {table}")
        con.execute(f"insert into {table} by name {select}")
    for line, errors, csv_line in rejected:
        rules = [f"malformed_line: {error}" for error in errors]
        con.execute(
            f"insert into quarantine.{export} values (?, ?, ?, ?, ?, ?, {NOW})",
            [rules, csv_line, file.batch_date, path, line, load_id],
        )
    con.execute(
        f"insert into {MANIFEST_TABLE} (export, batch_date, source_file, size_bytes, sha256, "
        "encoding, rows_in_manifest, rows_loaded, rows_quarantined, load_id, loaded_at, "
        f"batch_kind) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW}, ?)",
        [export, file.batch_date, path, file.path.stat().st_size, file.sha256, encoding,
         file.rows, loaded, len(rejected), load_id, file.kind],
    )  # fmt: skip
    con.execute("drop table if exists _landing")
    con.execute("drop table if exists _good_records")
    con.execute("drop table if exists _record_lines")
    result.files_loaded += 1
    result.rows_loaded += loaded
    result.rows_quarantined += len(rejected)
    result.load_ids.append(load_id)
    result.new_files.append(path)


def load_export(
    con: duckdb.DuckDBPyConnection, export: str, files: list[ExportFile], required: list[str]
) -> LoadResult:
    """Load every not-yet-loaded file of `export`, oldest batch first, each in one transaction."""
    _ensure_tables(con, export)
    result = LoadResult(table=f"raw.{export}", rows=0)
    for file in sorted(files, key=lambda f: f.batch_date):
        con.execute("begin transaction")
        try:
            load_file(con, export, file, required, result)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    result.rows = scalar(con, f"select count(*) from raw.{export}") or 0
    return result
