"""Re-keying a warehouse: pseudonymising it again under a new key.

Customer keys are HMACs of national IDs under the key (lifecrm/pii_key.py), and the warehouse
holds them in incremental facts and in the customer snapshot's history, which a full refresh
does not rebuild. So a new key means a new warehouse: the published one is moved aside, and
every landed day is run again in order, which rebuilds the raw layer, the history and every
table under the new key (refused files and their decisions are replayed from their files).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lifecrm import pii_key, settings
from lifecrm.warehouse_file import connect_read_only


def recorded_check(warehouse: Path) -> str | None:
    """The key check a warehouse recorded (pii.pii_key_check), None if it has none."""
    con = connect_read_only(warehouse)
    try:
        found = con.execute(
            "select 1 from information_schema.tables "
            "where table_schema = 'pii' and table_name = 'pii_key_check'"
        ).fetchone()
        if not found:
            return None
        return con.execute("select any_value(key_check) from pii.pii_key_check").fetchone()[0]
    finally:
        con.close()


def is_keyed_with(warehouse: Path, key: bytes) -> bool:
    return recorded_check(warehouse) == pii_key.check_value(key)


def move_aside(warehouse: Path) -> Path:
    """Move the published warehouse out of the way, kept until its owner removes it (it holds the
    old keys and the raw deliveries in clear)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = warehouse.with_name(f"{warehouse.stem}.before-rekey-{stamp}{warehouse.suffix}")
    warehouse.rename(kept)
    return kept


def landed_days() -> list[str]:
    from lifecrm.ingest.landing import batch_dirs

    return sorted({d.name[:10] for d in batch_dirs(settings.landing_dir())})
