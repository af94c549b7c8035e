"""What one block of the simulation knows: the customers it owns and their policies.

The core (`simulator/core.py`) fills a Block step by step; the other parts of the insurer (CRM,
external data, defects) read it. Columns are numpy arrays of equal length per table; dates are
`datetime64[D]` (NaT when absent); text is numpy unicode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.config import WorldConfig


@dataclass
class Block:
    index: int
    cfg: WorldConfig
    # customers: customer_id, national_id, customer_name, birth_date, gender, marital_status,
    #   occupation_class, income_band, monthly_income_twd (float), city, district, postal_code,
    #   address_line, phone, email, acquisition_source, created_date,
    #   segment (the true segment, a name from simulator.segments.SEGMENTS),
    #   satisfaction (latent, 0-1; high = satisfied), is_prospect (bool: never bought),
    #   agent_id (their agent, '' if none), preferred_channel (an INTERACTION_CHANNELS code)
    customers: dict[str, np.ndarray] = field(default_factory=dict)
    # policies: policy_number, owner_idx (row in customers), insured_idx, agent_id, channel,
    #   product_code, product_type, issue_date, sum_assured_twd, annualised_premium_twd,
    #   premium_mode, payment_method, campaign_id ('' unless won by a campaign),
    #   end_date (NaT while in force at the horizon), end_type ('' or a POLICY_EVENT_TYPES code)
    policies: dict[str, np.ndarray] = field(default_factory=dict)
    # complaints: customer_idx, policy_idx (-1 if none), complaint_date, resolved_date (NaT if
    #   never resolved), channel (an INTERACTION_CHANNELS code)
    complaints: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def horizon(self) -> np.datetime64:
        return np.datetime64(self.cfg.horizon_end, "D")

    @property
    def start(self) -> np.datetime64:
        return np.datetime64(self.cfg.start, "D")
