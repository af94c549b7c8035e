"""A corpus of bad and hostile deliveries, each through the real loader and Great Expectations.

Every case delivers one bad agents.csv (or premium_payments.csv) batch between a clean initial
extract and a clean next day, on one in-memory warehouse per case, through `load_export` with
the export's committed suite (what a run's raw asset does, without a Dagster run each). For each
it asserts what happened to the file (refused with a message naming the batch, the file and the
rule; or its bad rows quarantined with the rules they broke, by line; or loaded), that every row
read is accounted for (read = passed + quarantined + refused), that a refused file changes
nothing already loaded and holds back its export's next batch until it is put right (a
corrected re-delivery of the day), after which the next batch loads; and that a quarantined
row's text never reaches `raw` unaccounted. A batch the landing folder cannot take at all
(no manifest, a folder name that is no date) is a LandingError: the run waits or stops with
exit 2, naming the batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.quality.gx_checks import SuiteValidator
from lifecrm.ingest.contract import required_columns
from lifecrm.ingest.landing import LandingError, export_files, stray_entries
from lifecrm.ingest.raw_loader import load_export
from lifecrm.quality import quarantine

HEADER = "agent_id,agent_name,hire_date,termination_date,branch,channel,rank"
GOOD = [
    "A000001,陳志明,2015-03-01,,Taipei,agent,agent",
    "A000002,林淑芬,2016-07-15,,Tainan,bancassurance,unit_manager",
    "A000003,黃家豪,2018-01-02,2024-05-31,Taoyuan,agent,branch_manager",
]
NEXT_DAY = ["A000004,王小明,2025-12-30,,Hsinchu,agent,agent"]
PAYMENTS_HEADER = (
    "payment_id,policy_number,due_date,amount_due_twd,paid_date,amount_paid_twd,payment_method"
)
PAYMENTS = [
    "PM0000001,P0000001,2025-11-01,12000,2025-11-03,12000,auto_debit",
    "PM0000002,P0000002,2025-11-15,8000,,,credit_card",
]
BAD_DAY = "2026-01-01"
# A bad batch carries clean rows beside its bad one: a file with more than 5% of its rows
# breaking row rules is refused whole, which the corpus tests apart (too_many_bad_rows).
FILLER = [f"A1{n:05d},代理人{n},2020-01-01,,Taipei,agent,agent" for n in range(30)]
PAYMENT_FILLER = [f"PM10{n:05d},P10{n:05d},2025-12-01,1000,,,auto_debit" for n in range(30)]
BAD_LINE = 2 + len(FILLER)  # the header, the filler, then the bad row


def body(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n" + "".join(row + "\n" for row in rows)).encode()


def manifest_entry(path: Path, rows: int | None = None) -> dict:
    data = path.read_bytes()
    records = rows if rows is not None else max(data.count(b"\n") - 1, 0)
    return {
        "file": path.name,
        "rows": records,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def deliver(landing: Path, day: str, export: str, content: bytes, **entry_changes) -> Path:
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{export}.csv"
    path.write_bytes(content)
    entry = {**manifest_entry(path), **entry_changes}
    kind = "full" if day == "2025-12-31" else "delta"
    manifest = {"batch_date": day[:10], "kind": kind, "files": [entry]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return path


@dataclass(frozen=True)
class Case:
    """A bad delivery: `make` writes the bad batch; `outcome` is refused, quarantined or loaded;
    `says` are fragments the refusal or the quarantined rows' rules must name."""

    name: str
    make: Callable[[Path], None]
    outcome: str
    says: tuple[str, ...] = ()
    export: str = "agents"
    lines: tuple[int, ...] = ()  # the physical lines quarantined


def bad_agents(records: list[str], header: str = HEADER, encoding=None, **entry) -> Callable:
    def make(landing: Path) -> None:
        text = body([*FILLER, *records], header)
        if encoding:
            text = text.decode().encode(encoding)
        deliver(landing, BAD_DAY, "agents", text, **entry)

    return make


def raw_agents(content: bytes, **entry) -> Callable:
    return lambda landing: deliver(landing, BAD_DAY, "agents", content, **entry)


def with_manifest(edit: Callable[[dict, Path], None]) -> Callable:
    """A clean file whose manifest is then edited (or its folder)."""

    def make(landing: Path) -> None:
        path = deliver(landing, BAD_DAY, "agents", body(NEXT_DAY))
        manifest_path = path.parent / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        edit(manifest, path)
        manifest_path.write_text(json.dumps(manifest))

    return make


def _also_listed(manifest: dict, path: Path) -> None:
    manifest["files"].append({**manifest["files"][0], "file": "policies.csv"})


def _listed_twice(manifest: dict, path: Path) -> None:
    first = dict(manifest["files"][0], sha256="0" * 64)
    manifest["files"].insert(0, first)


def _unlisted_export(landing: Path) -> None:
    deliver(landing, BAD_DAY, "customers", b"customer_id\nC1\n")
    (landing / BAD_DAY / "agents.csv").write_bytes(body(NEXT_DAY))


def bad_payments(rows: list[str]) -> Callable:
    content = body([*PAYMENT_FILLER, *rows], PAYMENTS_HEADER)
    return lambda landing: deliver(landing, BAD_DAY, "premium_payments", content)


FORMULA = '=HYPERLINK("http://evil.example","x")'
QUOTED_FORMULA = FORMULA.replace(chr(34), chr(34) * 2)  # as CSV quotes it
CASES = [
    # the file as a whole: refused, naming the rule
    Case("zero_bytes", raw_agents(b""), "refused", ("agents.csv",)),
    Case("header_only", raw_agents(body([])), "loaded"),  # a delta may carry no rows
    Case(
        "header_only_rows_claimed", raw_agents(body([]), rows=3), "refused", ("manifest lists 3",)
    ),
    Case("wrong_rows", bad_agents(NEXT_DAY, rows=7), "refused", ("7",)),
    Case(
        "too_many_bad_rows",
        raw_agents(body([*NEXT_DAY, "A000005,,2020-01-01,,X,agent,agent"])),
        "refused",
        ("break row rules", "5%"),
    ),
    Case("wrong_bytes", bad_agents(NEXT_DAY, bytes=3), "refused", ("bytes",)),
    Case("wrong_sha256", bad_agents(NEXT_DAY, sha256="a" * 64), "refused", ("sha256",)),
    Case("not_a_sha256", bad_agents(NEXT_DAY, sha256="xyz"), "refused", ("sha256",)),
    Case(
        "invalid_manifest",
        lambda landing: (
            deliver(landing, BAD_DAY, "agents", body(NEXT_DAY)),
            (landing / BAD_DAY / "manifest.json").write_text("{not json"),
        ),
        "refused",
        ("not a valid manifest",),
    ),
    Case(
        "batch_date_mismatch",
        with_manifest(lambda m, p: m.update(batch_date="2026-02-01")),
        "refused",
        ("batch_date 2026-02-01",),
    ),
    Case("listed_but_missing", with_manifest(_also_listed), "loaded"),
    Case("listed_twice", with_manifest(_listed_twice), "refused", ("listed twice",)),
    Case(
        "path_in_manifest",
        with_manifest(lambda m, p: m["files"].append({**m["files"][0], "file": "../../x.csv"})),
        "refused",
        ("../../x.csv",),
    ),
    Case(
        "absolute_path_in_manifest",
        with_manifest(lambda m, p: m["files"].append({**m["files"][0], "file": "/etc/passwd"})),
        "refused",
        ("/etc/passwd",),
    ),
    Case("unlisted_export", _unlisted_export, "refused", ("not listed",)),
    Case(
        "unbalanced_quote",
        bad_agents(['A000004,"王小明,2025-12-30,,Hsinchu,agent,agent']),
        "refused",
        ("not readable as the contract's CSV",),
    ),
    Case(
        "too_many_columns",
        bad_agents(["A000004,王小明,2025-12-30,,Hsinchu,agent,agent,extra"]),
        "quarantined",
        ("column",),
        lines=(BAD_LINE,),
    ),
    Case(
        "too_few_columns",
        bad_agents(["A000004,王小明,2025-12-30"]),
        "quarantined",
        ("column",),
        lines=(BAD_LINE,),
    ),
    Case(
        "renamed_header_column",
        bad_agents(NEXT_DAY, header=HEADER.replace("branch", "office")),
        "refused",
        ("branch",),
    ),
    Case(
        "missing_header_column",
        bad_agents(
            ["A000004,王小明,2025-12-30,,Hsinchu,agent"], header=HEADER.removesuffix(",rank")
        ),
        "refused",
        ("rank",),
    ),
    Case(
        "duplicated_header_column",
        bad_agents(
            ["A000004,王小明,2025-12-30,,Hsinchu,agent,agent,agent"], header=HEADER + ",rank"
        ),
        "refused",
        ("rank", "more than once"),
    ),
    Case("utf16", bad_agents(NEXT_DAY, encoding="utf-16"), "refused", ("agents.csv",)),
    Case(
        "invalid_utf8",
        raw_agents(
            body(["A000004,\xff\xfe,2025-12-30,,Hsinchu,agent,agent"]).replace(
                "ÿþ".encode(), b"\xff\xfe"
            )
        ),
        "refused",
        ("agents.csv",),
    ),
    Case("big5_where_utf8_is_due", bad_agents(NEXT_DAY, encoding="cp950"), "loaded"),
    Case(
        "nul_bytes",
        raw_agents(body(NEXT_DAY).replace(b"Hsinchu", b"Hsin\x00chu")),
        "refused",
        ("NUL byte", "line 2"),
    ),
    # rows: quarantined with the rules they broke, by physical line
    Case(
        "impossible_date",
        bad_agents(["A000005,李四,2023-02-30,,Hsinchu,agent,agent"]),
        "quarantined",
        ("hire_date",),
        lines=(BAD_LINE,),
    ),
    Case(
        "zero_date",
        bad_agents(["A000005,李四,0000-00-00,,Hsinchu,agent,agent"]),
        "quarantined",
        ("hire_date",),
        lines=(BAD_LINE,),
    ),
    Case(
        "impossible_roc_date",
        bad_agents(["A000005,李四,112/13/45,,Hsinchu,agent,agent"]),
        "quarantined",
        ("hire_date",),
        lines=(BAD_LINE,),
    ),
    Case(
        "future_date",
        bad_agents(["A000005,李四,2031-01-01,,Hsinchu,agent,agent"]),
        "quarantined",
        ("hire_date",),
        lines=(BAD_LINE,),
    ),
    Case(
        "unknown_code",
        bad_agents(["A000005,李四,2020-01-01,,Hsinchu,broker,agent"]),
        "quarantined",
        ("channel",),
        lines=(BAD_LINE,),
    ),
    Case("duplicate_key", bad_agents([FILLER[0]]), "quarantined", ("agent_id",), lines=(BAD_LINE,)),
    Case(
        "missing_required",
        bad_agents(["A000005,,2020-01-01,,Hsinchu,agent,agent"]),
        "quarantined",
        ("agent_name",),
        lines=(BAD_LINE,),
    ),
    Case(
        "termination_before_hire",
        bad_agents(["A000005,李四,2020-01-01,2019-01-01,Hsinchu,agent,agent"]),
        "quarantined",
        ("termination_date",),
        lines=(BAD_LINE,),
    ),
    Case(
        "non_numeric_amount",
        bad_payments(["PM0000003,P0000003,2025-12-01,twelve,,,auto_debit"]),
        "quarantined",
        ("amount_due_twd",),
        export="premium_payments",
        lines=(BAD_LINE,),
    ),
    Case(
        "negative_amount",
        bad_payments(["PM0000003,P0000003,2025-12-01,-5000,,,auto_debit"]),
        "quarantined",
        ("amount_due_twd",),
        export="premium_payments",
        lines=(BAD_LINE,),
    ),
    Case(
        "huge_amount",
        bad_payments(["PM0000003,P0000003,2025-12-01,99999999999999999999,,,auto_debit"]),
        "quarantined",
        ("amount_due_twd",),
        export="premium_payments",
        lines=(BAD_LINE,),
    ),
    Case(
        "infinite_amount",
        bad_payments(["PM0000003,P0000003,2025-12-01,1e400,,,auto_debit"]),
        "quarantined",
        ("amount_due_twd",),
        export="premium_payments",
        lines=(BAD_LINE,),
    ),
    Case(
        "inf_amount",
        bad_payments(["PM0000003,P0000003,2025-12-01,inf,,,auto_debit"]),
        "quarantined",
        ("amount_due_twd",),
        export="premium_payments",
        lines=(BAD_LINE,),
    ),
    # valid data in awkward forms: loaded as delivered
    Case(
        "all_fields_quoted",
        raw_agents(
            b'"agent_id","agent_name","hire_date","termination_date","branch","channel","rank"\n'
            b'"A000004","\xe7\x8e\x8b","2025-12-30","","Hsinchu","agent","agent"\n'
        ),
        "loaded",
    ),
    Case(
        "embedded_newline_and_quotes",
        bad_agents(
            [
                'A000004,"王 ""小明""\nJr.",2025-12-30,,Hsinchu,agent,agent',
                NEXT_DAY[0].replace("A000004", "A000005"),
            ],
            rows=len(FILLER) + 2,
        ),
        "loaded",
    ),
    Case(
        "mixed_crlf_lf",
        raw_agents(body(NEXT_DAY).replace(b"\n", b"\r\n", 1)),
        "refused",
        ("line 2 ends in", "mixed line endings"),
    ),
    Case(
        "ten_megabyte_field",
        bad_agents([f"A000004,{'x' * 10_000_000},2025-12-30,,Hsinchu,agent,agent"]),
        "refused",
        ("line 32 is 10,000,041 bytes long", "2,097,152"),
    ),
    Case(
        "formula_sql_and_html_in_names",
        bad_agents(
            [
                f'A000004,"{QUOTED_FORMULA}",2025-12-30,,Hsinchu,agent,agent',
                "A000005,Robert'); drop table raw.agents;--,2025-12-30,,Hsinchu,agent,agent",
                "A000006,<script>alert(1)</script>,2025-12-30,,Hsinchu,agent,agent",
            ]
        ),
        "loaded",
    ),
    Case(
        "full_width_and_spaces",
        bad_agents(["Ａ000004, 王小明 ,2025-12-30,,Hsinchu,ａｇｅｎｔ,agent"]),
        "loaded",
    ),
]


def load(con: duckdb.DuckDBPyConnection, landing: Path, export: str):
    return load_export(
        con, export, export_files(landing, export), required_columns(export),
        SuiteValidator(export), {},
    )  # fmt: skip


def accepted(con: duckdb.DuckDBPyConnection, export: str) -> list[tuple]:
    """The raw rows staging reads: those no rule put in quarantine (a file refused by its suite
    after loading has every row there)."""
    quarantine_exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quarantine' and table_name = ?",
        [export],
    ).fetchone()[0]
    unless = (
        f"where not exists (select 1 from quarantine.{export} q where q._source_file = "
        "r._source_file and q._source_line = r._source_line)"
        if quarantine_exists
        else ""
    )
    return con.execute(
        f"select * exclude (_load_id, _loaded_at) from raw.{export} r {unless} "
        "order by _source_file, _source_line"
    ).fetchall()


def accounting(con: duckdb.DuckDBPyConnection, export: str) -> list[tuple]:
    quarantine.ensure_accounting(con)
    return con.execute(
        "select regexp_extract(source_file, '[^/]+/[^/]+$'), status, rows_read, rows_passed, "
        "rows_quarantined, rows_refused from raw.row_accounting where export = ? "
        "order by batch_date, source_file",
        [export],
    ).fetchall()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_delivery_is_refused_or_quarantined_by_rule_and_nothing_is_lost(tmp_path, case):
    export = case.export
    clean, next_day = (
        (PAYMENTS, ["PM0000009,P0000009,2026-01-01,500,,,auto_debit"])
        if (export == "premium_payments")
        else (GOOD, NEXT_DAY)
    )
    header = PAYMENTS_HEADER if export == "premium_payments" else HEADER
    landing = tmp_path / "landing"
    deliver(landing, "2025-12-31", export, body(clean, header))
    con = duckdb.connect()
    first = load(con, landing, export)
    assert first.rows_loaded == len(clean) and not first.refused
    before = accepted(con, export)

    case.make(landing)
    deliver(landing, "2026-01-02", export, body(next_day, header))
    result = load(con, landing, export)
    rows = accounting(con, export)
    for _file, _status, read, passed, quarantined, refused in rows:
        assert read == passed + quarantined + refused  # every row read is accounted for
    bad = [r for r in rows if r[0] == f"{BAD_DAY}/{export}.csv"]

    if case.outcome == "refused":
        assert len(result.refused) == 1, (result.refused, rows)
        message = result.refused[0]
        assert message.startswith(f"{BAD_DAY}/{export}.csv")  # the batch and the file
        for fragment in case.says:
            assert fragment in message, message
        assert [b[1] for b in bad] == ["refused"]
        assert result.waiting == [f"2026-01-02/{export}.csv"]  # the next day waits behind it
        assert accepted(con, export) == before  # what staging reads is as it was
        # put right: the source re-sends the day corrected, and both days load
        deliver(landing, f"{BAD_DAY}.2", export, body(next_day, header))
        mended = load(con, landing, export)
        assert not mended.refused and not mended.waiting
        assert mended.files_loaded == 2
    else:
        assert not result.refused, result.refused
        assert [b[1] for b in bad] == ["loaded"]
        assert result.files_loaded == 2  # the bad day and the next one
        quarantined = con.execute(
            f"select _source_line, _rules from quarantine.{export} "
            f"where _source_file like '%{BAD_DAY}%' order by 1"
        ).fetchall()
        assert tuple(line for line, _ in quarantined) == case.lines
        for fragment in case.says:
            assert all(fragment in str(rules) for _, rules in quarantined), quarantined
        if case.outcome == "loaded":
            assert not quarantined


def test_a_batch_the_landing_folder_cannot_take_names_the_batch(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "2025-12-31", "agents", body(GOOD))
    (landing / "2026-01-01").mkdir()
    (landing / "2026-01-01" / "agents.csv").write_bytes(body(NEXT_DAY))  # no manifest yet
    with pytest.raises(LandingError, match="2026-01-01 has no manifest.json"):
        export_files(landing, "agents")  # the run waits for it, as the sensor does
    # a folder whose name is no batch date is no batch: never read, but reported
    (landing / "2026-01-01").rename(landing / "yesterday")
    assert [f.batch_date.isoformat() for f in export_files(landing, "agents")] == ["2025-12-31"]
    assert stray_entries(landing) == ["yesterday"]
