"""Freshness: an export the contract expects in every daily batch that the newest batch lacks.

Time here is the batches' own: a simulated insurer's dates are not the wall clock's, and the
question a data team asks is "did every source send today's file?". The check warns (the other
exports flow on and the run still publishes); its description names the export, the batch, when
it last came, and whom to ask.
"""

import re
from functools import cache

import dagster as dg

from dagster_project.defs.ops.batches import landed_batches
from lifecrm.ingest.contract import CONTRACT
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import listed_files
from lifecrm.orchestration import BATCH_TAG

ONLY_INITIAL = "delivered with the initial extract"


@cache
def sources() -> dict[str, tuple[str, bool]]:
    """Each export's source system and whether every daily batch should carry it."""
    found = {}
    for section in re.split(r"^### ", CONTRACT.read_text(encoding="utf-8"), flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip().removesuffix(".csv")
        source = re.search(r"- From: ([^.]*)\.", section)
        found[name] = (source.group(1) if source else "its source", ONLY_INITIAL not in section)
    return found


def late_reason(export: str, upto: str | None = None) -> str | None:
    """Why `export` is late in the newest landed batch (up to `upto`), or None if it is not."""
    source, daily = sources().get(export, ("its source", True))
    batches = [b for b in landed_batches() if upto is None or b.name <= upto]
    if not daily or len(batches) < 2:  # the initial extract carries every export
        return None
    newest = batches[-1]
    if f"{export}.csv" in listed_files(newest):
        return None
    last = next((b.name for b in reversed(batches) if f"{export}.csv" in listed_files(b)), "never")
    return (
        f"{export}.csv is not in batch {newest.name} (last delivered: {last}); every daily batch "
        f"should carry it. Ask {source} to send it in the next batch; the run goes on without it."
    )


def freshness_check(export: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", export]),
        name="arrived_on_time",
        blocking=False,
        description=f"{export}.csv is in the newest daily batch, as the contract expects.",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        reason = late_reason(export, context.run.tags.get(BATCH_TAG))
        return dg.AssetCheckResult(
            passed=reason is None,
            severity=dg.AssetCheckSeverity.WARN,
            description=reason or f"{export}.csv arrived in the newest batch",
        )

    return _check


FRESHNESS_CHECKS = [
    freshness_check(export) for export in EXPORTS if sources().get(export, ("", True))[1]
]
