"""Render `docs/export-contract.md` from `simulator/contract.py`, so the two never disagree.

python -m simulator.contract_doc > docs/export-contract.md
"""

from __future__ import annotations

from simulator.contract import EXPORTS
from simulator.delivery import REVEAL

INTRO = """\
# Export contract

What the insurer's operational systems and its data vendor deliver to lifecrm, and all the
pipeline may assume about it. It is written as the insurer's IT department hands it over; the
simulated insurer in `simulator/` honours it (this file is generated from
`simulator/contract.py` by `python -m simulator.contract_doc`, and a test keeps them in step).

## Delivery
- **Batches.** Each delivery is a folder `landing/<YYYY-MM-DD>/` named by its batch date, holding
  one CSV file per export and a `manifest.json`. Batches arrive in date order.
- **The manifest** lists every file of the batch:
  `{"batch_date": "...", "kind": "full" | "delta", "files": [{"file": "customers.csv",
  "rows": N, "bytes": B, "sha256": "..."}]}`. `rows` counts data records (not the header).
  A batch without a manifest is incomplete.
- **The initial extract** (`kind: full`) holds every row of every export as of its batch date.
  **Daily batches** (`kind: delta`) hold the rows that appeared or changed that day, in their
  state at the end of that day. The vendor's files (`external_*`) come with the initial extract.
- **Snapshot exports** are keyed: a row delivered again replaces the earlier version (the latest
  batch wins). **Event exports** are keyed too: an event row is delivered again when a later fact
  about it arrives (a payment date, a claim decision, a complaint's resolution, a campaign
  response).
- **Format.** CSV, comma-separated, a header line first, fields quoted only where needed (a
  quoted field may hold commas, doubled quotes and line breaks), an empty field for a missing
  value. UTF-8, but the agency system is a legacy one whose export may arrive in Big5 (cp950).
  Dates are ISO `YYYY-MM-DD`; older systems sometimes write Republic of China calendar dates
  (`112/05/03` or `1120503` for 2023-05-03). Amounts are whole TWD. Flags are `1`/`0`.
- **Known defects.** Source systems are not perfect: expect duplicates, missing values, codes
  outside the lists, impossible dates, stray whitespace and full-width characters, truncated
  files and, rarely, a renamed column. lifecrm checks every rule below.
- **Corrections.** lifecrm refuses a file it cannot take as delivered (unreadable, a contract
  column missing, not matching the manifest, or too many rows breaking the rules below) and says
  why. A delivered file is never rewritten: the source re-sends a refused file corrected as a
  later delivery of the same day, a folder `landing/<YYYY-MM-DD>.2/` (then `.3`, ...) holding
  the corrected files and a manifest of them, with the batch date of the day it corrects. Only a
  refused file may be re-sent so; rows already loaded are corrected in a later batch (the latest
  batch wins). Until a refused file is re-sent or the insurer's data team decides on it, the
  later batches of that export wait; the other exports go on.

## Column types
`text`, `code` (one of a listed set), `date`, `integer`, `amount` (whole TWD, > 0 unless stated,
below 10^13: the warehouse keeps amounts to 16 digits), `score` (a decimal), `flag` (`1`/`0`).

## Exports
"""


def _later_facts(name: str) -> str:
    appears, later = REVEAL[name]
    if appears is None:
        return "delivered with the initial extract"
    text = f"a row appears on its `{appears}`"
    facts = [
        f"`{', '.join(cols)}` once "
        + ("the policy it won is issued" if date.startswith("_") else f"`{date}` has passed")
        for date, cols in later
    ]
    return text + ("; it is delivered again with " + "; ".join(facts) if facts else "")


def render() -> str:
    parts = [INTRO]
    for export in EXPORTS.values():
        parts.append(f"### {export.file}\n")
        parts.append(f"{export.description}\n" if export.description else "")
        parts.append(
            f"- From: {export.system}. Kind: {export.delivery}. Key: "
            f"`{', '.join(export.key)}`. Timing: {_later_facts(export.name)}.\n\n"
        )
        parts.append("| column | type | required | rule |\n|---|---|---|---|\n")
        for column in export.columns:
            rule = column.description
            if column.codes:
                codes = ", ".join(f"`{c}`" for c in column.codes)
                rule = f"one of {codes}" + (f"; {rule}" if rule else "")
            required = "yes" if column.required else ""
            parts.append(f"| {column.name} | {column.type} | {required} | {rule} |\n")
        parts.append("\n")
    return "".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
