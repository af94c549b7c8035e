"""Files a source left in a batch folder that the batch's manifest does not list and the contract
does not know (a note, a stray extract): never read, but reported as a warning in the run's
summary so that nothing delivered is silently ignored. An unlisted *export* file is not an extra:
its export's load refuses it.

A check needs an asset: this one hangs on the contract's first export, which every full batch
carries, and covers every batch the run loads.
"""

import dagster as dg

from dagster_project.defs.ops.batches import landed_batches
from lifecrm import settings
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import stray_entries, unlisted_extras
from lifecrm.orchestration import BATCH_TAG


def extras_reason(upto: str | None = None) -> str | None:
    found = [
        f"{batch.name}/{name}"
        for batch in landed_batches()
        if upto is None or batch.name[:10] <= upto
        for name in unlisted_extras(batch, EXPORTS)
    ] + [f"{name} (no batch folder)" for name in stray_entries(settings.landing_dir())]
    if not found:
        return None
    return (
        f"{len(found)} file(s) in the batch folders are neither listed in their manifest nor "
        f"exports of the contract, and were not read: {', '.join(found)}. Ask the source what "
        "they are; remove them once answered."
    )


@dg.asset_check(
    asset=dg.AssetKey(["raw", EXPORTS[0]]),
    name="no_unlisted_files_in_batches",
    blocking=False,
    description="Every file in the landed batch folders is listed in its manifest.",
)
def no_unlisted_files(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    reason = extras_reason(context.run.tags.get(BATCH_TAG))
    return dg.AssetCheckResult(
        passed=reason is None,
        severity=dg.AssetCheckSeverity.WARN,
        description=reason or "no unlisted file in the batch folders",
    )
