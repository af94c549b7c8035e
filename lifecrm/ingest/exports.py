"""The exports the pipeline loads, as named in docs/export-contract.md."""

EXPORTS = (
    "customers",
    "agents",
    "products",
    "applications",
    "policies",
    "policy_events",
    "premium_payments",
    "claims",
    "interactions",
    "campaigns",
    "campaign_touches",
    "satisfaction_surveys",
    "agent_surveys",
    "agent_training",
    "external_households",
    "external_areas",
)
