"""Write one Great Expectations suite per export from the export contract.

    python -m lifecrm.quality.suite_builder      # rewrites expectations/suites/raw_<export>.json

The suites are then committed and reviewed like code; a test keeps them in step with the
contract. Rules are of two kinds, recorded in each expectation's `meta.level`:
- `batch`: about the file as a whole (its columns, that it is not empty); a failure stops the
  export's batch;
- `row`: about each record (keys, required values, codes, formats, amounts); records that break
  one go to quarantine with the rule's name, the others flow on.
Codes, dates and text are checked after the repairable forms are normalised (full-width
characters, stray whitespace, Republic of China dates), so that only invalid values fail.
"""

from __future__ import annotations

import json
from pathlib import Path

from lifecrm.ingest.contract import ContractExport, exports
from lifecrm.settings import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
AS_DATE = "__as_date"  # suffix of the parsed copy of a date column that validation adds
# The contract's largest amount: the warehouse keeps amounts as decimal(18, 2), and an absurd
# one (1e400, twenty nines) would stop the build there rather than be quarantined here.
MAX_AMOUNT = 10**13
ISO_DATE = r"^(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
# An end date never comes before its start date (both present), per export.
DATE_ORDER = {
    "agents": [("termination_date", "hire_date")],
    "applications": [("decision_date", "application_date")],
    "claims": [("assessed_date", "reported_date"), ("decision_date", "reported_date"),
               ("paid_date", "decision_date")],
    "interactions": [("resolved_date", "interaction_date")],
    "campaigns": [("end_date", "start_date")],
    "campaign_touches": [("response_date", "touch_date")],
}  # fmt: skip
FORMATS = {  # column -> (regex, share of values that must match)
    "phone": (r"^09[0-9]{8}$", 1.0),
    "email": (r"^[^@ ]+@[^@ ]+\.[^@ ]+$", 1.0),
}


def _rule(kind: str, level: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"level": level}}


def suite_for(export: ContractExport) -> dict:
    names = [c.name for c in export.columns]
    rules = [
        _rule("expect_table_columns_to_match_set", "batch", column_set=names, exact_match=False),
        # `min_rows` is 1 for a full extract and 0 for a daily delta (given at validation)
        _rule(
            "expect_table_row_count_to_be_between", "batch", min_value={"$PARAMETER": "min_rows"}
        ),
    ]
    for key in export.key:
        rules.append(_rule("expect_column_values_to_be_unique", "row", column=key))
    for column in export.columns:
        name = column.name
        if column.required:
            rules.append(_rule("expect_column_values_to_not_be_null", "row", column=name))
        if column.codes:
            rules.append(
                _rule(
                    "expect_column_values_to_be_in_set",
                    "row",
                    column=name,
                    value_set=list(column.codes),
                )
            )
        if column.type == "date":
            rules.append(
                _rule("expect_column_values_to_match_regex", "row", column=name, regex=ISO_DATE)
            )
            # nothing dated after the batch that delivers it (`batch_date` is given at
            # validation; GX compares dates as dates, so the rule reads the parsed copy)
            rules.append(
                _rule(
                    "expect_column_values_to_be_between",
                    "row",
                    column=f"{name}{AS_DATE}",
                    max_value={"$PARAMETER": "batch_date"},
                )
            )
        if column.type == "amount":
            rules.append(
                _rule(
                    "expect_column_values_to_be_between",
                    "row",
                    column=name,
                    min_value=0,
                    strict_min=True,
                    max_value=MAX_AMOUNT,
                    strict_max=True,
                )
            )
        if name == "national_id":
            rules.append(
                _rule("expect_column_values_to_be_valid_tw_national_id", "row", column=name)
            )
        if name in FORMATS:
            regex, _ = FORMATS[name]
            rules.append(
                _rule("expect_column_values_to_match_regex", "row", column=name, regex=regex)
            )
    for end, start in DATE_ORDER.get(export.name, []):
        rules.append(
            _rule("expect_column_pair_values_a_to_be_greater_than_b", "row", column_A=end,
                  column_B=start, or_equal=True, ignore_row_if="either_value_is_missing")
        )  # fmt: skip
    return {
        "name": f"raw_{export.name}",
        "meta": {
            "export": export.name,
            "key_columns": list(export.key),
            "date_columns": [c.name for c in export.columns if c.type == "date"],
            "amount_columns": [c.name for c in export.columns if c.type == "amount"],
            "notes": "Generated from docs/export-contract.md by lifecrm.quality.suite_builder.",
        },
        "expectations": rules,
    }


def render(export: ContractExport) -> str:
    return json.dumps(suite_for(export), indent=2, ensure_ascii=False) + "\n"


def write_all(folder: Path = SUITES_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for export in exports().values():
        path = folder / f"raw_{export.name}.json"
        path.write_text(render(export), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(PROJECT_ROOT))
