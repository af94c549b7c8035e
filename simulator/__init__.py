"""The simulated insurer: stands in for the operational systems that export files to lifecrm.

Only the CLI's `generate` and the tests import this package; the pipeline knows the exports
through `docs/export-contract.md` alone.
"""

from simulator.config import WorldConfig
from simulator.generate import generate_world

__all__ = ["WorldConfig", "generate_world"]
