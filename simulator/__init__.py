"""The simulated insurer: stands in for the operational systems that export files to lifecrm.

Only the CLI's `generate` and the tests import this package; the pipeline knows the exports
through `docs/export-contract.md` alone.
"""

from simulator.config import WorldConfig
from simulator.defects import DefectRates
from simulator.generate import generate_next_day, generate_resend, generate_world

__all__ = ["DefectRates", "WorldConfig", "generate_next_day", "generate_resend", "generate_world"]
