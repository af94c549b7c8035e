"""The exports the pipeline loads: every export in docs/export-contract.md."""

from lifecrm.ingest.contract import exports

EXPORTS = tuple(exports())
