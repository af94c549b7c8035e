"""The planted data-quality defects of the simulated insurer's exports, and their ground truth.

Row-level defects are planted into string tables (every column a pyarrow string column, '' for a
missing value) before they are written; file-level defects are applied to the written files.
Every planted defect is reported as a `Defect`, so tests and the pipeline's quality checks can be
held against the truth. A row carries at most one defect, so the truth is unambiguous; exact
duplicates and duplicate people are copies of rows that carry none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator import defects_text as tx
from simulator.contract import EXPORTS, Column, Export
from simulator.defects_text import to_full_width, to_roc_date

__all__ = [
    "DEFECT_KINDS", "Defect", "DefectRates", "encode_big5", "plant_row_defects",
    "rename_column", "to_full_width", "to_roc_date", "truncate_last_line",
]  # fmt: skip

# Every kind of defect, and whether the pipeline can repair it (True) or must reject/flag it.
DEFECT_KINDS: dict[str, bool] = {
    "exact_duplicate": False,
    "duplicate_person": True,
    "missing_required": False,
    "bad_check_digit": False,
    "unknown_code": False,
    "non_positive_amount": False,
    "future_date": False,
    "end_before_start": False,
    "roc_date": True,
    "full_width_code": True,
    "stray_whitespace": True,
    "big5_encoding": True,
    "truncated_last_line": False,
    "renamed_column": False,
}

# The amounts that must be positive, and the (start, end) date pairs that must be in order.
AMOUNT_TARGETS: dict[str, tuple[str, ...]] = {
    "policies": ("annualised_premium_twd", "sum_assured_twd"),
    "premium_payments": ("amount_due_twd",),
    "claims": ("claimed_amount_twd",),
}
DATE_PAIRS: dict[str, tuple[str, str]] = {
    "agents": ("hire_date", "termination_date"),
    "claims": ("reported_date", "decision_date"),
    "interactions": ("interaction_date", "resolved_date"),
    "campaigns": ("start_date", "end_date"),
}
# Tables at least this long get at least one row of every applicable kind (at a non-zero rate).
MIN_ROWS_FOR_ONE = 200


@dataclass(frozen=True)
class DefectRates:
    """Share of each export's rows affected, per kind; all zero = clean."""

    exact_duplicate: float = 0.003
    duplicate_person: float = 0.002  # one person under two customer IDs
    missing_required: float = 0.003
    bad_check_digit: float = 0.002
    unknown_code: float = 0.002
    non_positive_amount: float = 0.002
    future_date: float = 0.001
    end_before_start: float = 0.001
    roc_date: float = 0.01  # Republic of China calendar dates
    full_width_code: float = 0.005  # full-width characters in code values
    stray_whitespace: float = 0.005

    @classmethod
    def none(cls) -> DefectRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass(frozen=True)
class Defect:
    export: str  # e.g. "customers"
    row: int  # 0-based data record in the table after planting; -1 for the whole file
    column: str  # '' for whole-row and whole-file defects
    kind: str  # one of DEFECT_KINDS
    repairable: bool
    detail: str  # e.g. the original value and the planted one


def _defect(export: str, row: int, column: str, kind: str, detail: str) -> Defect:
    return Defect(export, int(row), column, kind, DEFECT_KINDS[kind], detail)


# Which rows of a column may take a defect: (column) -> bool per row.
Eligible = Callable[[Column], np.ndarray]
# The planted values: (column, clean values, their positions in `_Planter.chosen`) -> new values.
Transform = Callable[[Column, np.ndarray, np.ndarray], np.ndarray]


class _Planter:
    """Chooses disjoint rows of one table per kind and collects the cell changes."""

    def __init__(
        self, table: pa.Table, export: Export, rates: DefectRates, rng: np.random.Generator
    ) -> None:
        self.table, self.export, self.rates, self.rng = table, export, rates, rng
        self.n = table.num_rows
        self.taken = np.zeros(self.n, dtype=bool)
        present = set(table.column_names)
        self.columns = [c for c in export.columns if c.name in present and c.name not in export.key]
        self.by_name = {c.name: c for c in self.columns}
        self.chosen = np.empty(0, dtype=np.int64)  # the rows of the kind being planted
        self.changes: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.found: list[tuple[int, str, str, str]] = []  # row before copies, column, kind, detail
        self._filled: dict[str, np.ndarray] = {}

    def filled(self, column: Column | str) -> np.ndarray:
        name = column if isinstance(column, str) else column.name
        if name not in self._filled:
            mask = pc.fill_null(pc.not_equal(self.table[name], ""), False)
            self._filled[name] = mask.to_numpy(zero_copy_only=False)
        return self._filled[name]

    def values(self, name: str, rows: np.ndarray) -> np.ndarray:
        taken = pc.fill_null(self.table[name].take(pa.array(rows, pa.int64())), "")
        return np.array(taken.to_pylist(), dtype=str)

    def choose(self, rate: float, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows (sorted) at `rate` among the free rows eligible in some column of the
        (rows x columns) `eligible` matrix, and an eligible column for each."""
        candidates = np.flatnonzero(eligible.any(axis=1) & ~self.taken)
        k = 0
        if rate > 0 and len(candidates):
            k = int(self.rng.binomial(self.n, min(rate, 1.0)))
            k = min(max(k, int(self.n >= MIN_ROWS_FOR_ONE)), len(candidates))
        rows = np.sort(self.rng.choice(candidates, k, replace=False))
        self.taken[rows] = True
        score = self.rng.random((k, eligible.shape[1]))
        score[~eligible[rows]] = -1.0
        return rows, score.argmax(axis=1)

    def plant(self, kind: str, columns: list[Column], eligible: Eligible, change: Transform):
        rate = getattr(self.rates, kind)
        if not columns or rate <= 0:
            return
        rows, which = self.choose(rate, np.column_stack([eligible(c) for c in columns]))
        self.chosen = rows
        for j, column in enumerate(columns):
            at = np.flatnonzero(which == j)
            if len(at):
                old = self.values(column.name, rows[at])
                new = np.asarray(change(column, old, at), dtype=str)
                self.changes.setdefault(column.name, []).append((rows[at], new))
                for row, before, after in zip(
                    rows[at].tolist(), old.tolist(), new.tolist(), strict=True
                ):
                    self.found.append((row, column.name, kind, f"{before!r} -> {after!r}"))

    def applied(self) -> pa.Table:
        table = self.table
        for name, parts in self.changes.items():
            rows = np.concatenate([r for r, _ in parts])
            new = np.concatenate([v.astype(object) for _, v in parts])[np.argsort(rows)]
            mask = np.zeros(self.n, dtype=bool)
            mask[rows] = True
            column = table[name]
            replacements = pa.array(new.tolist(), type=column.type)
            replaced = pc.replace_with_mask(column, pa.array(mask), replacements)
            table = table.set_column(table.column_names.index(name), name, replaced)
        return table


def _plant_cells(p: _Planter, batch_date: date) -> None:
    """Every cell-level kind, the most constrained first so they still find free rows."""
    rng, export, cols = p.rng, p.export.name, p.columns
    codes = [c for c in cols if c.type == "code"]
    dates = [c for c in cols if c.type == "date"]

    if export == "customers" and "national_id" in p.by_name:
        ids = pc.fill_null(p.table["national_id"], "").to_numpy(zero_copy_only=False)
        valid = tx.national_ids_valid(ids)
        p.plant("bad_check_digit", [p.by_name["national_id"]], lambda c: valid, _break_ids(rng))

    start, end = DATE_PAIRS.get(export, ("", ""))
    if not (start in p.by_name and end in p.by_name):
        start = end = ""
    if start:
        p.plant(
            "end_before_start", [p.by_name[end]], lambda c: p.filled(start) & p.filled(end),
            lambda c, old, at: tx.dates_before(p.values(start, p.chosen[at]), rng),
        )  # fmt: skip

    amounts = [p.by_name[a] for a in AMOUNT_TARGETS.get(export, ()) if a in p.by_name]
    p.plant("non_positive_amount", amounts, p.filled, lambda c, old, at: tx.non_positive(old, rng))
    p.plant(
        "unknown_code", codes, p.filled, lambda c, old, at: tx.unknown_codes(c.codes, len(old), rng)
    )
    p.plant("full_width_code", codes, p.filled, lambda c, old, at: tx.full_width(old))

    def no_end_after(c: Column) -> np.ndarray:
        # A start moved past its filled end would also be an end before its start.
        return p.filled(c) & ~p.filled(end) if c.name == start else p.filled(c)

    day = batch_date.isoformat()
    p.plant(
        "future_date", dates, no_end_after, lambda c, old, at: tx.dates_after(day, len(old), rng)
    )

    def roc_ok(c: Column) -> np.ndarray:
        late = pc.fill_null(pc.greater_equal(p.table[c.name], tx.ROC_EARLIEST), False)
        return late.to_numpy(zero_copy_only=False)

    def roc(c: Column, old: np.ndarray, at: np.ndarray) -> np.ndarray:
        compact = rng.random(len(at)) < 0.5
        compact[at == 0], compact[at == 1] = True, False  # both forms whenever two are planted
        return tx.roc_dates(old, compact)

    p.plant("roc_date", dates, roc_ok, roc)

    required = [c for c in cols if c.required]
    p.plant("missing_required", required, p.filled, lambda c, old, at: np.full(len(old), ""))
    padded = [c for c in cols if c.type in ("code", "text")]
    p.plant("stray_whitespace", padded, p.filled, lambda c, old, at: tx.pad_whitespace(old, rng))


def _break_ids(rng: np.random.Generator) -> Transform:
    def change(column: Column, old: np.ndarray, at: np.ndarray) -> np.ndarray:
        new = tx.break_check_digits(old, rng)
        if tx.national_ids_valid(new).any():
            raise AssertionError("a national ID with a planted bad check digit is still valid")
        return new

    return change


def _reserve_people(p: _Planter, rate: float, policies: pa.Table) -> np.ndarray:
    """Rows of customers owning a policy, to reappear under a second customer ID."""
    if rate <= 0 or "owner_customer_id" not in policies.column_names:
        return np.empty(0, dtype=np.int64)
    owners = pc.unique(policies["owner_customer_id"].combine_chunks())
    owns = pc.fill_null(pc.is_in(p.table["customer_id"], value_set=owners), False)
    eligible = owns.to_numpy(zero_copy_only=False)
    if "national_id" in p.by_name:
        eligible = eligible & p.filled("national_id")
    rows, _ = p.choose(rate, eligible[:, None])
    return rows


def _copy_people(
    customers: pa.Table, sources: np.ndarray, policies: pa.Table, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, list[str]]:
    """Append each source customer again under a new ID (same national ID, name and birth date;
    the phone and e-mail may differ) and move about half of their policies to the new ID."""
    k = len(sources)
    people = customers.take(pa.array(sources, pa.int64()))
    old_ids = np.array(people["customer_id"].to_pylist(), dtype=str)
    new_ids = tx.duplicate_customer_ids(old_ids, customers["customer_id"], rng)
    changed = {"customer_id": new_ids}
    if "phone" in people.column_names:
        phone = np.array([v or "" for v in people["phone"].to_pylist()], dtype=str)
        changed["phone"] = np.where(rng.random(k) < 0.5, tx.mobile_numbers(rng, k), phone)
    if "email" in people.column_names:
        email = np.array([v or "" for v in people["email"].to_pylist()], dtype=str)
        changed["email"] = np.where(rng.random(k) < 0.3, "", email)
    for name, values in changed.items():
        i = people.column_names.index(name)
        texts = [v or None for v in values.tolist()]  # empty text is a missing value, as written
        people = people.set_column(i, name, pa.array(texts, type=people[name].type))

    owner = policies["owner_customer_id"]
    group = pc.fill_null(pc.index_in(owner, value_set=pa.array(old_ids.tolist())), -1)
    group = group.to_numpy(zero_copy_only=False)
    matched = np.flatnonzero(group >= 0)
    g = group[matched]
    move = tx.about_half(g, k, rng)
    mask = np.zeros(policies.num_rows, dtype=bool)
    mask[matched[move]] = True
    moved_to = pa.array(new_ids[g[move]].tolist(), type=owner.type)
    i = policies.column_names.index("owner_customer_id")
    policies = policies.set_column(
        i, "owner_customer_id", pc.replace_with_mask(owner, pa.array(mask), moved_to)
    )
    owned, moved = np.bincount(g, minlength=k), np.bincount(g[move], minlength=k)
    notes = [
        f"duplicate of customer_id {old} ({m} of {o} owned policies moved to the new ID)"
        for old, m, o in zip(old_ids.tolist(), moved.tolist(), owned.tolist(), strict=True)
    ]
    return pa.concat_tables([customers, people]), policies, notes


def plant_row_defects(
    tables: dict[str, pa.Table], rates: DefectRates, rng: np.random.Generator, batch_date: date
) -> tuple[dict[str, pa.Table], list[Defect]]:
    """Plant the row-level defects into string tables; returns the new tables and the truth.

    Each export draws from its own generator (seeded from `rng` in contract order), so one
    export's defects do not depend on which other exports are planted. Customers go first: their
    duplicate people move policies to new IDs before the policies get their own defects.
    """
    seeds = dict(zip(EXPORTS, rng.integers(0, 2**63 - 1, size=len(EXPORTS)).tolist(), strict=True))
    out = dict(tables)
    defects: list[Defect] = []
    for name in sorted(tables, key=lambda n: n != "customers"):
        export = EXPORTS.get(name)
        if export is None or out[name].num_rows == 0:
            continue  # not an export of the contract, or nothing to spoil
        p = _Planter(out[name], export, rates, np.random.default_rng(seeds[name]))
        people = np.empty(0, dtype=np.int64)
        if name == "customers" and "policies" in out and "customer_id" in out[name].column_names:
            people = _reserve_people(p, rates.duplicate_person, out["policies"])
        _plant_cells(p, batch_date)
        copies, _ = p.choose(rates.exact_duplicate, np.ones((p.n, 1), dtype=bool))
        table, position = p.applied(), tx.positions_with_copies(p.n, copies)
        if len(copies):
            table = table.take(pa.array(np.sort(np.concatenate([np.arange(p.n), copies]))))
        found = [_defect(name, position[r], c, kind, d) for r, c, kind, d in p.found]
        found += [
            _defect(name, position[r] + 1, "", "exact_duplicate", f"copy of row {position[r]}")
            for r in copies.tolist()
        ]
        if len(people):
            table, out["policies"], notes = _copy_people(
                table, position[people], out["policies"], p.rng
            )
            first_new = table.num_rows - len(people)
            found += [
                _defect(name, first_new + j, "", "duplicate_person", note)
                for j, note in enumerate(notes)
            ]
        out[name] = table
        defects += sorted(found, key=lambda d: (d.row, d.column))
    order = {name: i for i, name in enumerate(tables)}
    return out, sorted(defects, key=lambda d: order[d.export])


def truncate_last_line(path: Path, export: str, rows: int) -> list[Defect]:
    """Cut the file in the middle of its last record, as an interrupted transfer leaves it:
    the trailing newline and the last third of the last line's characters are gone. Only the
    file's tail is read, so this costs the same for any file size."""
    if rows <= 0:
        return []
    size = path.stat().st_size
    with path.open("rb+") as handle:
        handle.seek(max(0, size - (1 << 16)))
        tail = handle.read()
        body = tail[:-1] if tail.endswith(b"\n") else tail
        line_start = body.rfind(b"\n") + 1
        if line_start == 0 and size > len(tail):
            return []  # a last line longer than the tail read: leave such a file alone
        last = body[line_start:].decode("utf-8", errors="ignore")
        keep = last[: len(last) - len(last) // 3]
        if not last or keep == last:
            return []
        handle.seek(size - len(tail) + line_start)
        handle.write(keep.encode("utf-8"))
        handle.truncate()
    detail = f"last line cut from {len(last)} to {len(keep)} characters"
    return [_defect(export, rows - 1, "", "truncated_last_line", detail)]


def encode_big5(path: Path, export: str) -> list[Defect]:
    """Deliver a UTF-8 export in Big5 (cp950), as a legacy system would by mistake."""
    if export in EXPORTS and EXPORTS[export].encoding != "utf-8":
        raise ValueError(f"{export} is delivered in {EXPORTS[export].encoding} by contract")
    text = path.read_bytes().decode("utf-8")
    path.write_bytes(text.encode("cp950", errors="strict"))
    return [_defect(export, -1, "", "big5_encoding", "utf-8 file delivered as cp950")]


def rename_column(
    table: pa.Table, export: str, old: str, new: str
) -> tuple[pa.Table, list[Defect]]:
    """Schema drift in one daily batch: a column arrives under another name."""
    if old not in table.column_names:
        raise KeyError(f"{export} has no column {old!r}")
    names = [new if c == old else c for c in table.column_names]
    return table.rename_columns(names), [_defect(export, -1, old, "renamed_column", new)]
