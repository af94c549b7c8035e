"""Front-line exports of the tactical lists: one CSV per list, servicing branch and contact
channel, for the teams who work them in a spreadsheet.

- Control-group customers are left out: they are held back so the campaign can be measured.
- A text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
  carriage return) is prefixed with a single quote, so opening the file runs nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

# list -> how its rows are ordered in the file
LISTS = {
    "retention_list": "list_rank",
    "winback_list": "list_rank",
    "prospect_followup": "list_rank",
    "cross_sell_list": "lead_rank",
    "service_recovery": "list_rank",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportedList:
    name: str
    rows: int
    control_rows_held_back: int
    files: int


def neutralised(column: str) -> str:
    """SQL for a text column with formula-like cells defused by a leading single quote."""
    quoted = f'"{column}"'
    starts = " or ".join(f"starts_with({quoted}, {_sql_text(p)})" for p in FORMULA_PREFIXES)
    return f"case when {starts} then '''' || {quoted} else {quoted} end as {quoted}"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'" if text.isprintable() else f"chr({ord(text)})"


def file_stem(branch: str, channel: str) -> str:
    """A safe file name for a branch and channel (branch names may hold spaces)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"{branch}__{channel}").strip("-").lower()


def _mark_as_utf8(path: Path) -> None:
    """Start the file with a byte-order mark: spreadsheets then read its Chinese names as
    UTF-8 rather than the system's code page. (The lists are small enough to rewrite.)"""
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def export_list(con: duckdb.DuckDBPyConnection, name: str, out_dir: Path) -> ExportedList:
    table = f"tactical.{name}"
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'tactical' and table_name = ? order by ordinal_position",
        [name],
    ).fetchall()
    has_control = any(column == "is_control_group" for column, _ in columns)
    selected = ", ".join(
        neutralised(column) if data_type == "VARCHAR" else f'"{column}"'
        for column, data_type in columns
        if column != "is_control_group"
    )
    contactable = "where not is_control_group" if has_control else ""
    held_back = (
        con.execute(f"select count(*) from {table} where is_control_group").fetchall()[0][0]
        if has_control
        else 0
    )
    groups = con.execute(
        f"select servicing_branch, preferred_channel, count(*) from {table} {contactable} "
        "group by all order by all"
    ).fetchall()
    list_dir = out_dir / name
    scratch = out_dir / f".{name}.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    rows = 0
    for branch, channel, count in groups:
        query = (
            f"select {selected} from {table} "
            f"{contactable or 'where true'} and servicing_branch = ? and preferred_channel = ? "
            f"order by {LISTS[name]}"
        )
        path = scratch / f"{file_stem(branch, channel)}.csv"
        con.execute(f"copy ({query}) to '{path}' (header, delimiter ',')", [branch, channel])
        _mark_as_utf8(path)
        rows += count
    # swap the whole list's folder at once: a reader never sees some files of today's list
    # beside others of yesterday's
    if list_dir.exists():
        retired = out_dir / f".{name}.{os.getpid()}.old"
        os.replace(list_dir, retired)
        os.replace(scratch, list_dir)
        shutil.rmtree(retired)
    else:
        os.replace(scratch, list_dir)
    return ExportedList(name, rows, held_back, len(groups))


def export_all(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[ExportedList]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [export_list(con, name, out_dir) for name in LISTS]
