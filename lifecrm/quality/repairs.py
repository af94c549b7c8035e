"""The repairs of docs/export-contract.md (full-width characters, stray whitespace, Republic of
China dates, amounts) as DuckDB SQL, for validation: the very expressions staging uses.

They are defined once, as dbt macros (dbt/macros/repair.sql: `clean_text`, `parse_date`,
`parse_amount`; staging's `repair_date` and `repair_amount` compose them). Validation runs
before dbt, so it reads them as dbt renders them for DuckDB, kept in expectations/repairs.json:

    python -m lifecrm.quality.repairs      # renders the macros again, rewrites the file

A test renders them again and fails if the file is not what dbt renders now, so the value
Great Expectations accepts is the value staging produces.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from lifecrm import pii_key, settings
from lifecrm.db import quote_identifier as quote

REPAIRS_FILE = settings.PROJECT_ROOT / "expectations" / "repairs.json"
MACROS = ("clean_text", "parse_date", "parse_amount")
PLACEHOLDER = "__lifecrm_value__"  # where the column goes; the macros take it as SQL text
_SEPARATOR = "\n-- lifecrm: next macro --\n"
# the parsed copy of a date that is not on the calendar, or in no form there is (2023-02-30):
# the latest date there is, so that it fails the rule that it is not after its batch
NO_DATE = "DATE '9999-12-31'"
NO_AMOUNT = "'-inf'::DOUBLE"  # an amount that is not a number fails the rule that it is > 0


@contextmanager
def _environment(**values: str):
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def render(macros: tuple[str, ...] = MACROS) -> dict[str, str]:
    """Each macro as dbt renders it for DuckDB, with PLACEHOLDER for its column (runs dbt)."""
    from dbt.cli.main import dbtRunner

    inline = _SEPARATOR.join(f"{{{{ {name}('{PLACEHOLDER}') }}}}" for name in macros)
    # compiling opens the target's database: a throwaway one, keyed with a throwaway key
    with (
        tempfile.TemporaryDirectory(prefix="lifecrm-repairs-") as tmp,
        _environment(
            **{
                settings.DATA_DIR_ENV: tmp,
                "DBT_TARGET": settings.DUCKDB_TARGET,
                "LIFECRM_WAREHOUSE_PATH": str(Path(tmp) / "render.duckdb"),
                pii_key.KEY_ENV: secrets.token_hex(32),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            }
        ),
    ):
        result = dbtRunner().invoke(
            [
                "compile", "--inline", inline, "--quiet",
                "--profiles-dir", str(settings.PROJECT_ROOT / "dbt"),
                "--project-dir", str(settings.PROJECT_ROOT),
                "--target-path", tmp, "--log-path", tmp,
            ]
        )  # fmt: skip
    if not result.success:
        raise RuntimeError(f"dbt could not render the repair macros: {result.exception}")
    compiled = result.result.results[0].node.compiled_code
    parts = compiled.split(_SEPARATOR.strip())
    if len(parts) != len(macros):
        raise RuntimeError(f"dbt rendered {len(parts)} parts for {len(macros)} macros")
    return {name: part.strip() for name, part in zip(macros, parts, strict=True)}


def write(path: Path = REPAIRS_FILE) -> Path:
    rendered = {
        "notes": "Rendered from dbt/macros/repair.sql by `python -m lifecrm.quality.repairs`; "
        f"{PLACEHOLDER} stands for the column.",
        **render(),
    }
    path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@cache
def repairs(path: Path = REPAIRS_FILE) -> dict[str, str]:
    spec = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in MACROS if name not in spec]
    if missing:
        raise ValueError(
            f"{path}: no {', '.join(missing)}; run `python -m lifecrm.quality.repairs`"
        )
    return {name: spec[name] for name in MACROS}


def apply(macro: str, expression: str) -> str:
    """A macro's SQL with `expression` for its column."""
    return repairs()[macro].replace(PLACEHOLDER, f"({expression})")


def checked_rows_sql(
    relation: str, columns: list[str], meta: dict, where: str = "true", unread=frozenset()
) -> str:
    """The rows of `relation` as validation checks them: every column cleaned (columns starting
    with `_` are lifecrm's, and the `unread` ones no rule reads, are kept as they are: cleaning
    a free-text column costs the most, to no end); a date column as ISO text when it parses,
    beside its parsed copy `<name>__as_date`; an amount as a number, or minus infinity when the
    delivered text is not one (so the amount rule fails it)."""
    from lifecrm.quality.suite_builder import AS_DATE

    dates = set(meta.get("date_columns", []))
    amounts = set(meta.get("amount_columns", []))
    cleaned = ", ".join(
        quote(c)
        if c.startswith("_") or c in unread
        else f"{apply('clean_text', quote(c))} as {quote(c)}"
        for c in columns
    )
    checked = []
    for column in columns:
        name = quote(column)
        if column in dates:
            parsed = apply("parse_date", name)
            checked.append(f"coalesce(strftime({parsed}, '%Y-%m-%d'), {name}) as {name}")
            checked.append(
                f"case when {name} is not null then coalesce({parsed}, {NO_DATE}) end "
                f"as {quote(column + AS_DATE)}"
            )
        elif column in amounts:
            parsed = apply("parse_amount", name)
            checked.append(
                f"case when {name} is not null then coalesce(cast({parsed} as double), "
                f"{NO_AMOUNT}) end as {name}"
            )
        else:
            checked.append(name)
    return (
        f"select {', '.join(checked)}\n"
        f"from (select {cleaned} from {relation} where {where}) as cleaned"
    )


if __name__ == "__main__":
    print(write().relative_to(settings.PROJECT_ROOT))
