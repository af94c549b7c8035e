"""Load an export's batches into `raw.<export>` with DuckDB's CSV reader, every column as text.

Loading is incremental and safe to repeat: each file read is recorded in `raw.load_manifest`
(path, size, sha256, rows), a file already loaded is skipped, and a file that changed under the
same name is refused (a source system corrects data by sending it again in a later batch, never
by rewriting a delivered file). Batches load in date order.

Every record read is accounted for: it lands in `raw.<export>`, or, when the CSV reader cannot
parse its line (a truncated record, a broken quote), in `quarantine.<export>` with the reason;
records read = loaded + quarantined = the manifest's row count, or the file is refused.

A refused file (unreadable, missing a contract column, not matching its manifest, or refused by
its suite) is recorded in `raw.load_manifest` with the reason and stays refused until it is
re-sent (a later delivery of the same day, `<date>.2/`) or the data team decides on it
(`lifecrm landing skip|accept`, lifecrm/ingest/decisions.py). Until then the later batches of
its export wait behind it, unread: loading them first would let older rows arrive after newer
ones, which the latest-delivery rule and the incremental facts cannot undo. The other exports go
on.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from lifecrm.db import quote_literal, scalar, table_exists
from lifecrm.ingest.decisions import Decision
from lifecrm.ingest.encoding import utf8_copy
from lifecrm.ingest.landing import ExportFile, LandingError

MANIFEST_TABLE = "raw.load_manifest"
NOW = "cast(current_timestamp as timestamp)"  # no time zone: BI readers on DuckDB 1.1 read it
LINE = "__lifecrm_line__"  # where a record's line goes in the select of its metadata


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
    refused: list[str] = field(default_factory=list)  # "<batch>/<file>: why", still open
    waiting: list[str] = field(default_factory=list)  # later files held back behind a refusal
    decided: list[str] = field(default_factory=list)  # decisions and re-sends applied this time


# Validates a file just loaded (GX) and returns why it is refused, or None; `accept` lifts the
# limit on the share of rows that may break row rules (a data team's `lifecrm landing accept`).
Validator = Callable[[duckdb.DuckDBPyConnection, str, str, bool], "str | None"]


def _ensure_tables(con: duckdb.DuckDBPyConnection, export: str) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists quarantine")
    con.execute(
        f"""create table if not exists {MANIFEST_TABLE} (
            export varchar, batch_date date, source_file varchar, size_bytes bigint,
            sha256 varchar, encoding varchar, rows_in_manifest bigint, rows_loaded bigint,
            rows_quarantined bigint, load_id varchar, loaded_at timestamp,
            rows_failing_rules bigint, batch_failure varchar, validated_at timestamp,
            batch_kind varchar, refusal_reason varchar, resolution varchar,
            resolved_by varchar, resolved_at timestamp, resolution_note varchar)"""
    )
    # warehouses made by earlier versions of this table gain the newer columns
    for column, type_ in (
        ("rows_failing_rules", "bigint"),
        ("batch_failure", "varchar"),  # set while the file is refused
        ("validated_at", "timestamp"),
        ("batch_kind", "varchar"),
        ("refusal_reason", "varchar"),  # why it was refused, kept once resolved
        ("resolution", "varchar"),  # skipped | accepted | redelivered
        ("resolved_by", "varchar"),
        ("resolved_at", "timestamp"),
        ("resolution_note", "varchar"),
    ):
        con.execute(f"alter table {MANIFEST_TABLE} add column if not exists {column} {type_}")
    ensure_accounting(con)
    con.execute(
        f"""create table if not exists quarantine.{export} (
            _rules varchar[], _raw_line varchar, _batch_date date, _source_file varchar,
            _source_line bigint, _load_id varchar, _loaded_at timestamp)"""
    )


def ensure_accounting(con: duckdb.DuckDBPyConnection) -> None:
    """`raw.row_accounting`, per file read: rows read = passed + quarantined + refused, and the
    file's status (loaded, refused, skipped, accepted, redelivered) with who resolved it."""
    con.execute(
        f"""create or replace view raw.row_accounting as
        select export, source_file, batch_date, loaded_at, rows_in_manifest as rows_read,
               case when batch_failure is null
                    then rows_loaded - coalesce(rows_failing_rules, 0)
                    else 0 end as rows_passed,
               case when batch_failure is null
                    then rows_quarantined + coalesce(rows_failing_rules, 0)
                    else 0 end as rows_quarantined,
               case when batch_failure is null then 0 else rows_in_manifest end as rows_refused,
               case when batch_failure is null then coalesce(resolution, 'loaded')
                    when resolution is null then 'refused'
                    else resolution end as status,
               batch_failure,
               coalesce(refusal_reason, batch_failure) as refusal_reason,
               resolution, resolved_by, resolved_at, resolution_note
        from {MANIFEST_TABLE}"""
    )


def _header(path) -> list[str]:
    """The header's column names, read with the same CSV rules as the rows (a header whose names
    are quoted, as many exports write it, is valid CSV)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [name.strip() for name in next(csv.reader(handle), [])]


# DuckDB's reader holds a record in at most this many bytes (its max_line_size default).
MAX_RECORD_BYTES = 2_097_152


def _why_unreadable(path) -> str | None:
    """What DuckDB's reader could not take, named by line, for the two failures whose own
    message names no line (or the wrong one); read only once a file has failed to load."""
    ending = None
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if len(line) > MAX_RECORD_BYTES:
                return (
                    f"line {number} is {len(line):,} bytes long, more than the "
                    f"{MAX_RECORD_BYTES:,} a record may be"
                )
            this = b"\r\n" if line.endswith(b"\r\n") else b"\n" if line.endswith(b"\n") else None
            if ending and this and this != ending:
                return (
                    f"line {number} ends in {this!r} where line 1 ends in {ending!r}: "
                    "mixed line endings"
                )
            ending = ending or this
    return None


def _add_new_columns(con, table: str, columns: list[str]) -> list[str]:
    """Columns the raw table has not seen: kept (as text) and reported, never dropped."""
    existing = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    added = [c for c in columns if c not in existing]
    for column in added:
        con.execute(f'alter table {table} add column "{column}" varchar')
    return added


def _rowids(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int | None, int, bool]:
    """A table's first rowid, its rows, and whether its rowids run one after another (then a
    row's place in the table is its rowid less the first: rows written in an open transaction
    are numbered from a large base)."""
    return con.execute(
        "select min(rowid), count(*), "
        f"coalesce(max(rowid) - min(rowid) + 1 = count(*), true) from {table}"
    ).fetchall()[0]


def _record_lines(
    con: duckdb.DuckDBPyConnection, path: str, records: int, lines: int | None = None
) -> bool:
    """Map each record to the physical line it starts on, in temp table `_record_lines`
    (record_no 1 = the first data record). Records are lines unless a quoted field holds a line
    break; only then is the file read line by line, and a line starts a record when the quotes
    before it are balanced. Returns False when records and lines coincide. `lines`: the file's
    physical lines, when its scan counted them already."""
    if lines is None:
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
    first_rowid, lines, contiguous = _rowids(con, "_physical")
    if not contiguous:  # never seen: DuckDB numbers a fresh table's rows one after another
        raise RuntimeError(f"{path}: the lines read are not numbered in order")
    # A line continues a record when an odd number of the lines before it hold an odd number
    # of quotes: the lines after each odd line up to the next one (few; the rest are records).
    con.execute(
        f"""create or replace temp table _continued as
        with odd as (
            select rowid - {first_rowid or 0} + 1 as physical_line,
                   row_number() over (order by rowid) as k
            from _physical
            where contains(text, '"') and (strlen(text) - strlen(replace(text, '"', ''))) % 2 = 1
        )
        select unnest(range(opening.physical_line + 1,
                            coalesce(closing.physical_line, $lines) + 1)) as physical_line
        from odd as opening left join odd as closing on closing.k = opening.k + 1
        where opening.k % 2 = 1""",
        {"lines": lines},
    )
    con.execute(
        """create or replace temp table _record_lines as
        select row_number() over (order by n) - 1 as record_no, n as physical_line
        from range(1, $lines + 1) as t(n)
        where n not in (select physical_line from _continued)""",
        {"lines": lines},
    )
    con.execute("drop table _continued")
    con.execute("drop table _physical")
    return True


def load_file(
    con: duckdb.DuckDBPyConnection,
    export: str,
    file: ExportFile,
    required: list[str],
    result: LoadResult,
    rename: dict[str, str] | None = None,
    allow_missing: bool = False,
) -> None:
    """Load one new file; raises LandingError when it cannot be (nothing is written then).
    `rename` maps delivered header names to contract names; `allow_missing` loads a file that
    lacks contract columns (as empty values, which the row rules then judge)."""
    path = str(file.path)
    if file.problem:
        raise LandingError(f"{path}: {file.problem}")
    rename = rename or {}
    table = f"raw.{export}"
    load_id = uuid.uuid4().hex
    with utf8_copy(file.path, file.scan) as (readable, encoding):
        delivered = _header(readable)
        unknown = [old for old in rename if old not in delivered]
        if unknown:
            raise LandingError(f"{path}: no column {', '.join(unknown)} to rename in its header")
        header = [rename.get(name, name) for name in delivered]
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:
            raise LandingError(
                f"{path}: column(s) {', '.join(twice)} appear more than once in the header "
                "(line 1): which one is meant cannot be told; refusing the file"
            )
        missing = [c for c in required if c not in header]
        if missing and not allow_missing:
            raise LandingError(
                f"{path}: required column(s) {', '.join(missing)} missing from the header "
                f"(found: {', '.join(delivered)}); refusing the file"
            )
        renamed = ", ".join(f'"{old}" as "{new}"' for old, new in rename.items())
        added = "".join(f', cast(null as varchar) as "{column}"' for column in missing)
        # the reader appends to its rejects tables: start each file with empty ones
        con.execute("drop table if exists _rejects")
        con.execute("drop table if exists _reject_scans")
        # The contract's dialect, pinned: sniffing would take a file whose quotes do not balance
        # for one without quoting, and load its fields shifted.
        try:
            con.execute(
                f"create or replace temp table _landing as select * "
                f"{f'rename ({renamed})' if renamed else ''}{added} from read_csv("
                f"{quote_literal(str(readable))}, header = true, all_varchar = true, "
                "delim = ',', quote = '\"', escape = '\"', "
                "store_rejects = true, rejects_table = '_rejects', rejects_scan = '_reject_scans')"
            )
        except duckdb.InvalidInputException as exc:
            reason = _why_unreadable(readable) or str(exc).split("\n")[0].removeprefix(
                "Invalid Input Error: "
            )
            raise LandingError(f"{path}: not readable as the contract's CSV: {reason}") from None
        header = header + missing
        # the records the reader could not parse (it reports each of its errors separately)
        rejected = scalar(con, "select count(distinct line) from _rejects")
        # A record's line in the file: its number plus one for the header, or, when quoted
        # fields hold line breaks, the physical line it starts on.
        counted = file.scan.lines if file.scan and readable == file.path else None
        mapped = _record_lines(con, str(readable), file.rows, counted)
    loaded = scalar(con, "select count(*) from _landing")
    if loaded + rejected != file.rows:
        raise LandingError(
            f"{path}: read {loaded} records and rejected {rejected}, but the manifest "
            f"lists {file.rows}"
        )
    # Rejected records keep their numbers: the loaded ones are numbered around them.
    metadata = (
        f"cast({quote_literal(file.batch_date.isoformat())} as date) as _batch_date, "
        f"{quote_literal(path)} as _source_file, "
        f"cast({LINE} as bigint) as _source_line, "
        f"{quote_literal(load_id)} as _load_id, "
        f"{NOW} as _loaded_at"
    )
    first_rowid, _, contiguous = _rowids(con, "_landing")
    if rejected or mapped or not contiguous:
        # each loaded record's line, by its number among the loaded ones (a small table of two
        # columns; the reader counts the header as line 1)
        con.execute(
            "create or replace temp table _good_lines as select row_number() over "
            f"(order by n) as good_no, {'physical_line' if mapped else 'n + 1'} as line "
            f"from range(1, ? + 1) as t(n) "
            f"{'join _record_lines on record_no = n' if mapped else ''} "
            "where n not in (select line - 1 from _rejects)",
            [file.rows],
        )
        good_no = (
            f"rowid - {first_rowid} + 1" if contiguous else "row_number() over (order by rowid)"
        )
        select = (
            f"select landing.* exclude (good_no), {metadata.replace(LINE, 'line')} from "
            f"(select *, {good_no} as good_no from _landing) as landing "
            "join _good_lines using (good_no)"
        )
    else:  # every record is one line, in the reader's order: the first is line 2
        line_of = f"rowid - {first_rowid or 0} + 2"
        select = f"select *, {metadata.replace(LINE, line_of)} from _landing"
    if not table_exists(con, "raw", export):
        con.execute(f"create table {table} as {select}")
    else:
        added = _add_new_columns(con, table, header)
        if added:
            result.warnings.append(f"{path}: new column(s) {', '.join(added)} kept in {table}")
        con.execute(f"insert into {table} by name {select}")
    if rejected:  # each unparsable record, by the physical line it starts on, with why
        line = "coalesce(physical_line, line)" if mapped else "line"
        lines_join = "left join _record_lines on record_no = line - 1" if mapped else ""
        con.execute(
            f"""insert into quarantine.{export}
            with errors as (
                select line, csv_line, 'malformed_line: ' || lower(error_type)
                    || coalesce(' (' || column_name || ')', '') as error
                from _rejects
            )
            select list(distinct error order by error), any_value(csv_line), ?, ?,
                cast({line} as bigint), ?, {NOW}
            from errors {lines_join} group by {line}""",
            [file.batch_date, path, load_id],
        )
    con.execute(
        f"insert into {MANIFEST_TABLE} (export, batch_date, source_file, size_bytes, sha256, "
        "encoding, rows_in_manifest, rows_loaded, rows_quarantined, load_id, loaded_at, "
        f"batch_kind) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW}, ?)",
        [export, file.batch_date, path, file.path.stat().st_size, file.sha256, encoding,
         file.rows, loaded, rejected, load_id, file.kind],
    )  # fmt: skip
    con.execute("drop table if exists _landing")
    con.execute("drop table if exists _good_lines")
    con.execute("drop table if exists _record_lines")
    result.files_loaded += 1
    result.rows_loaded += loaded
    result.rows_quarantined += rejected
    result.load_ids.append(load_id)
    result.new_files.append(path)


def _record_refusal(
    con: duckdb.DuckDBPyConnection, export: str, file: ExportFile, reason: str
) -> None:
    """A file refused before any of it was loaded: its manifest row says why, and its rows are
    counted as refused (they are still in the landing folder, untouched)."""
    size = file.path.lstat().st_size if file.path.is_file() and not file.problem else None
    con.execute(
        f"insert into {MANIFEST_TABLE} (export, batch_date, source_file, size_bytes, sha256, "
        "rows_in_manifest, rows_loaded, rows_quarantined, load_id, loaded_at, validated_at, "
        "batch_failure, refusal_reason, batch_kind) "
        f"values (?, ?, ?, ?, ?, ?, 0, 0, ?, {NOW}, {NOW}, ?, ?, ?)",
        [export, file.batch_date, str(file.path), size, file.sha256, file.rows,
         uuid.uuid4().hex, reason, reason, file.kind],
    )  # fmt: skip


def _resolve(
    con: duckdb.DuckDBPyConnection,
    file: ExportFile,
    resolution: str,
    by: str,
    note: str,
    at: str | None = None,
    refused: bool = True,
) -> None:
    """Close a file's open refusal: skipped (still refused, set aside), accepted or
    redelivered. `refused=False` clears the refusal (the file's rows now count)."""
    con.execute(
        f"update {MANIFEST_TABLE} set resolution = ?, resolved_by = ?, "
        f"resolved_at = coalesce(cast(? as timestamp), {NOW}), resolution_note = ?, "
        "refusal_reason = coalesce(refusal_reason, batch_failure), "
        "batch_failure = case when ? then batch_failure end "
        "where source_file = ? and sha256 = ? and resolution is null",
        [resolution, by, at and at.replace("+00:00", ""), note, refused, str(file.path),
         file.sha256],
    )  # fmt: skip


def _manifest_rows(con, file: ExportFile) -> list[tuple]:
    """(sha256, batch_failure, resolution, rows_loaded) of every reading of the file's path."""
    return con.execute(
        f"select sha256, batch_failure, resolution, rows_loaded from {MANIFEST_TABLE} "
        "where source_file = ? order by loaded_at",
        [str(file.path)],
    ).fetchall()


def _read(con, export, file, required, validate, result, rename=None, accept=False) -> str | None:
    """Load and validate a new file, each step in its own transaction; returns why the file
    was refused (recorded in the manifest), or None when it passed."""
    con.execute("begin transaction")
    try:
        load_file(con, export, file, required, result, rename, allow_missing=accept)
        con.execute("commit")
    except LandingError as exc:
        con.execute("rollback")
        _record_refusal(con, export, file, str(exc).removeprefix(f"{file.path}: "))
        return str(exc).removeprefix(f"{file.path}: ")
    except Exception:
        con.execute("rollback")
        raise
    reason = validate(con, export, str(file.path), accept) if validate else None
    if reason:
        con.execute(
            f"update {MANIFEST_TABLE} set refusal_reason = batch_failure "
            "where source_file = ? and sha256 = ?",
            [str(file.path), file.sha256],
        )
    return reason


def _ingest(con, export, file, files, required, validate, decision, result) -> bool:
    """Bring one delivered file up to date; returns True when its export must stop here (the
    file is refused and nothing has been loaded from it, so the later batches wait)."""
    readings = _manifest_rows(con, file)
    current = [r for r in readings if r[0] == file.sha256]
    loaded_before = [r for r in readings if r[0] != file.sha256 and r[1] is None]
    decided = decision is not None and decision.sha256 == file.sha256
    if current and (current[-1][1] is None or current[-1][2] is not None):
        result.files_skipped += 1  # loaded, or its refusal resolved
        return False
    if current and not decided:  # still refused, nobody has decided yet
        if any(f.batch_date == file.batch_date and f.delivery > file.delivery for f in files):
            return False  # a later delivery of the same day re-sends it: that one is read next
        result.refused.append(f"{file.name}: {current[-1][1]}")
        return not loaded_before
    if current and decided:
        return _apply(con, export, file, required, validate, decision, current[-1], result)
    if loaded_before:
        reason = (
            f"loaded before with sha256 {loaded_before[-1][0]} and has changed since (now "
            f"{file.sha256}); a delivered file must not change: the source corrects rows in a "
            "later batch"
        )
        _record_refusal(con, export, file, reason)
        result.refused.append(f"{file.name}: {reason}")
        return False  # what was loaded from it stands; the later batches go on
    earlier = [f for f in files if f.batch_date == file.batch_date and f.delivery < file.delivery]
    settled = [f for f in earlier if _loaded(con, f)]
    if settled:
        reason = (
            f"re-sends {settled[-1].name}, which was loaded; a later delivery of a day only "
            "replaces a refused file (corrections of loaded rows come in a later batch)"
        )
        _record_refusal(con, export, file, reason)
        result.refused.append(f"{file.name}: {reason}")
        return False
    reason = _read(con, export, file, required, validate, result)
    if reason:
        result.refused.append(f"{file.name}: {reason}")
        return True
    for f in earlier:  # the refused deliveries this one replaces
        _resolve(con, f, "redelivered", "the source", f"re-sent as {file.name}")
        result.decided.append(f"{f.name}: re-sent as {file.name}")
    return False


def _loaded(con, file: ExportFile) -> bool:
    return any(r[1] is None for r in _manifest_rows(con, file))


def _apply(con, export, file, required, validate, decision: Decision, reading, result) -> bool:
    """Apply the data team's decision on a refused file; True when it is still refused."""
    if decision.action == "skip":
        _resolve(con, file, "skipped", decision.by, decision.note, decision.at)
        result.decided.append(f"{file.name}: skipped by {decision.by} ({decision.reason})")
        return False
    _, refused_for, _, rows_loaded = reading
    if rows_loaded:  # refused by its suite after loading: validate it again, no share limit
        reason = validate(con, export, str(file.path), True) if validate else None
    else:  # refused unread: read it now, as the decision says
        con.execute(
            f"delete from {MANIFEST_TABLE} where source_file = ? and sha256 = ?",
            [str(file.path), file.sha256],
        )
        reason = _read(con, export, file, required, validate, result, decision.rename, True)
    if reason:
        result.refused.append(f"{file.name}: accepted by {decision.by}, still refused: {reason}")
        return True
    con.execute(
        f"update {MANIFEST_TABLE} set refusal_reason = ? where source_file = ? and sha256 = ?",
        [refused_for, str(file.path), file.sha256],
    )
    _resolve(con, file, "accepted", decision.by, decision.note, decision.at, refused=False)
    result.decided.append(f"{file.name}: accepted by {decision.by} ({decision.note})")
    return False


def load_export(
    con: duckdb.DuckDBPyConnection,
    export: str,
    files: list[ExportFile],
    required: list[str],
    validate: Validator | None = None,
    decisions: dict[str, Decision] | None = None,
) -> LoadResult:
    """Load every not-yet-loaded file of `export`, oldest batch first, validating each as it
    comes (`validate`) and applying the data team's `decisions` on refused ones. A refused file
    stops its export: the later files wait, unread, and are listed in the result."""
    _ensure_tables(con, export)
    result = LoadResult(table=f"raw.{export}", rows=0)
    files = sorted(files, key=lambda f: (f.batch_date, f.delivery))
    for index, file in enumerate(files):
        decision = (decisions or {}).get(file.name)
        if _ingest(con, export, file, files, required, validate, decision, result):
            result.waiting = [
                f.name for f in files[index + 1 :] if not _manifest_rows(con, f)
            ]  # fmt: skip
            break
    if table_exists(con, "raw", export):  # not when its first file was refused
        result.rows = scalar(con, f"select count(*) from raw.{export}") or 0
    return result
