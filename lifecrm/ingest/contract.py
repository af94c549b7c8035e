"""The export contract as the pipeline knows it: read from `docs/export-contract.md`, the
document the insurer's IT department hands over (the pipeline has no other view of the sources)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lifecrm.settings import PROJECT_ROOT

CONTRACT = PROJECT_ROOT / "docs" / "export-contract.md"


@dataclass(frozen=True)
class ContractColumn:
    name: str
    type: str
    required: bool
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ContractExport:
    name: str
    key: tuple[str, ...]
    columns: tuple[ContractColumn, ...]


@cache
def exports(path: Path = CONTRACT) -> dict[str, ContractExport]:
    """Every export the contract describes, in its order."""
    found: dict[str, ContractExport] = {}
    for section in re.split(r"^### ", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip().removesuffix(".csv")
        key = re.search(r"Key: `([^`]*)`", section)
        columns = []
        for row in re.findall(r"^\| (\w+) \| (\w+) \| (yes|) \| (.*) \|$", section, flags=re.M):
            column, type_, required, rule = row
            codes = (
                re.findall(r"`([^`]*)`", rule.split(";")[0]) if rule.startswith("one of") else []
            )
            columns.append(ContractColumn(column, type_, required == "yes", tuple(codes)))
        if not key or not columns:
            raise ValueError(f"{path}: the section on {name} has no key or no column table")
        found[name] = ContractExport(
            name, tuple(k.strip() for k in key.group(1).split(",")), tuple(columns)
        )
    return found


def required_columns(export: str) -> list[str]:
    """Columns a file of `export` must carry in its header (every contract column)."""
    return [column.name for column in exports()[export].columns]
