"""Front-line exports of the tactical lists: the files the agents, the call centre and the
campaign teams call customers from, one folder per work queue.

The warehouse's tactical tables are pseudonymous and decide everything a row says: who works it
(`work_queue`: the servicing agent's branch, or the reassignment queue when no active agent
services it), why the customer is listed and what to do. This module only joins each list to
`pii.pii_customers` at export time (customer number, name, phone, e-mail, postal address) and
writes the files:

- `<exports>/<work queue>/<list>__<contact channel>.csv`, e.g.
  `taipei/retention_list__call_centre.csv` or `reassignment-queue/winback_list__email.csv`.
  Folders are 0700 and files 0600 (the exports folder itself 0711: it can be passed through,
  not listed), so only the pipeline's user reads them until a deployment gives each folder to
  that team's OS group (README, "Reports and front-line exports").
- Control-group customers are left out: they are held back so the campaign can be measured.
- A text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
  carriage return) is prefixed with a single quote, so opening the file runs nothing.
- Files are UTF-8 with a byte-order mark, so spreadsheets read the Chinese names.

The insurer's exports carry no contact time (interactions are dated, not timed), so the files
have no preferred contact time.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

# list -> how its rows are ordered in the file. `tactical.lapse_risk_worklist` is not exported:
# it has no control group, and its customers include the retention list's control group.
LISTS = {
    "retention_list": "list_rank",
    "winback_list": "list_rank",
    "prospect_followup": "list_rank",
    "cross_sell_list": "lead_rank",
    "service_recovery": "list_rank",
}
REASSIGNMENT_QUEUE = "reassignment queue"  # dbt/macros/frontline.sql names it
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# what the warehouse keeps for itself: pseudonymous keys, the hold-out flag, the routing
INTERNAL_COLUMNS = ("customer_key", "policy_key", "is_control_group", "work_queue", "is_orphaned")
MARKER = ".lifecrm-frontline"  # marks a folder this module wrote (and may replace or remove)
DIR_MODE, FILE_MODE, ROOT_MODE = 0o700, 0o600, 0o711

# One row per person: the customer number delivered last (pii_customers.is_primary_number), and
# how to reach them. A mobile number is written 0912-345-678, which a spreadsheet keeps as text.
CONTACTS = """
    select
        customer_key,
        customer_id as customer_number,
        customer_name,
        case
            when regexp_full_match(phone, '09[0-9]{8}')
                then substr(phone, 1, 4) || '-' || substr(phone, 5, 3) || '-' || substr(phone, 8, 3)
            else phone
        end as phone,
        email,
        concat_ws(', ', address_line, district, city) || ' ' || postal_code as postal_address
    from pii.pii_customers
    where is_primary_number
"""


@dataclass(frozen=True)
class ExportedList:
    name: str
    rows: int
    control_rows_held_back: int
    files: int
    reassigned_rows: int  # rows in the reassignment queue's folder


def neutralised(column: str) -> str:
    """SQL for a text column with formula-like cells defused by a leading single quote."""
    quoted = f'"{column}"'
    starts = " or ".join(f"starts_with({quoted}, {_sql_text(p)})" for p in FORMULA_PREFIXES)
    return f"case when {starts} then '''' || {quoted} else {quoted} end as {quoted}"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'" if text.isprintable() else f"chr({ord(text)})"


def folder_name(work_queue: str) -> str:
    """A safe folder name for a work queue (a branch name may hold spaces or Chinese)."""
    name = re.sub(r"[^\w-]+", "-", work_queue).strip("-_").lower()
    return name or "unnamed-queue"


def file_name(name: str, channel: str) -> str:
    return f"{name}__{folder_name(channel)}.csv"


def _mark_as_utf8(path: Path) -> None:
    """Start the file with a byte-order mark: spreadsheets then read its Chinese names as
    UTF-8 rather than the system's code page. (The lists are small enough to rewrite.)"""
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    marker = path / MARKER
    if not marker.exists():
        marker.touch(mode=FILE_MODE)
        os.chmod(marker, FILE_MODE)
    return path


def _list_query(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The rows of a list people may call, with their contact details, formula-like text
    defused; parameters: work queue, contact channel."""
    order = LISTS[name]
    columns = [
        column
        for (column,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'tactical' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
    ]
    contactable = "not listed.is_control_group" if "is_control_group" in columns else "true"
    kept = [c for c in columns if c not in INTERNAL_COLUMNS and c != order]
    base = (
        f'select listed."{order}", contacts.* exclude (customer_key), '
        + ", ".join(f'listed."{c}"' for c in kept)
        + f" from tactical.{name} as listed left join ({CONTACTS}) as contacts"
        " on listed.customer_key = contacts.customer_key where "
    )
    one_file = f"{contactable} and listed.work_queue = ? and listed.preferred_channel = ?"
    types = con.execute(f"describe {base} false").fetchall()
    selected = ", ".join(
        neutralised(column) if data_type == "VARCHAR" else f'"{column}"'
        for column, data_type, *_ in types
    )
    return f'select {selected} from ({base} {one_file}) order by "{order}"'


def _write_list(con: duckdb.DuckDBPyConnection, name: str, scratch: Path) -> ExportedList:
    table = f"tactical.{name}"
    has_control = bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = 'tactical' "
            "and table_name = ? and column_name = 'is_control_group'",
            [name],
        ).fetchall()[0][0]
    )
    contactable = "where not is_control_group" if has_control else ""
    held_back = (
        con.execute(f"select count(*) from {table} where is_control_group").fetchall()[0][0]
        if has_control
        else 0
    )
    groups = con.execute(
        f"select work_queue, preferred_channel, count(*) from {table} {contactable} "
        "group by all order by all"
    ).fetchall()
    query = _list_query(con, name) if groups else ""
    rows = reassigned = 0
    for queue, channel, count in groups:
        path = _private_dir(scratch / folder_name(queue)) / file_name(name, channel)
        con.execute(f"copy ({query}) to '{path}' (header, delimiter ',')", [queue, channel])
        _mark_as_utf8(path)
        os.chmod(path, FILE_MODE)
        rows += count
        reassigned += count if queue == REASSIGNMENT_QUEUE else 0
    return ExportedList(name, rows, held_back, len(groups), reassigned)


def _replace_folders(scratch: Path, out_dir: Path) -> None:
    """Swap each work queue's folder in whole (a team never sees some of today's files beside
    yesterday's), and remove the folders of queues with nothing today: yesterday's contact
    details do not linger."""
    written = {path.name for path in scratch.iterdir() if path.is_dir()}
    for name in sorted(written):
        target = out_dir / name
        if target.exists():
            retired = scratch / f"{name}.old"
            os.replace(target, retired)
            os.replace(scratch / name, target)
            shutil.rmtree(retired)
        else:
            os.replace(scratch / name, target)
    for path in out_dir.iterdir():
        if path.name in written or path.name.startswith(".") or not path.is_dir():
            continue
        # a queue with nothing today, or a list folder of the earlier layout (one per list)
        if (path / MARKER).exists() or path.name in LISTS:
            shutil.rmtree(path)


def export_all(
    con: duckdb.DuckDBPyConnection, out_dir: Path, lists: list[str] | None = None
) -> list[ExportedList]:
    """Write every list (or those named) into one folder per work queue under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(out_dir, ROOT_MODE)
    scratch = out_dir / f".frontline.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(mode=DIR_MODE)
    try:
        exported = [_write_list(con, name, scratch) for name in (lists or list(LISTS))]
        _replace_folders(scratch, out_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return exported
