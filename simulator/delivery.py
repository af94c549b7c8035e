"""What a core system would have exported on a given day.

The simulation knows every row's whole history up to the horizon. An export on day D shows a
row only once it exists (its `appears` date is on or before D), and shows each later fact (a
payment date, a claim decision, a resolution) only once it has happened; until then the column
is empty or holds its not-yet value. The initial extract shows every row as of `end`; a daily
batch shows the rows that appeared or changed on that day, as of that day.
"""

from __future__ import annotations

import numpy as np

NAT = np.datetime64("NaT", "D")

# export -> (the date a row appears, [(a later date, {column: value until then (None = empty)})])
REVEAL: dict[str, tuple[str | None, list[tuple[str, dict]]]] = {
    "customers": ("created_date", []),
    "agents": ("hire_date", [("termination_date", {"termination_date": None})]),
    "products": ("launch_date", []),
    "applications": (
        "application_date",
        [
            (
                "decision_date",
                {"underwriting_decision": None, "decision_date": None, "policy_number": None},
            )
        ],
    ),
    "policies": ("issue_date", []),
    "policy_events": ("event_date", []),
    "premium_payments": ("due_date", [("paid_date", {"paid_date": None, "amount_paid_twd": None})]),
    "claims": (
        "reported_date",
        [
            ("assessed_date", {"assessed_date": None}),
            ("decision_date", {"decision": None, "decision_date": None}),
            ("paid_date", {"paid_date": None, "paid_amount_twd": None}),
        ],
    ),
    "interactions": (
        "interaction_date",
        [("resolved_date", {"resolved_date": None, "outcome": "pending"})],
    ),
    "campaigns": ("start_date", []),
    "campaign_touches": (
        "touch_date",
        [
            ("response_date", {"responded": 0, "response_date": None}),
            ("_converted_date", {"converted": 0, "policy_number": None, "premium_won_twd": None}),
        ],
    ),
    "satisfaction_surveys": ("survey_date", []),
    "agent_surveys": ("survey_date", []),
    "agent_training": ("training_date", []),
    "external_households": (None, []),  # the vendor's file comes with the initial extract only
    "external_areas": (None, []),
}


def _empty_like(values: np.ndarray):
    if np.issubdtype(values.dtype, np.datetime64):
        return NAT
    if np.issubdtype(values.dtype, np.integer):
        return -1
    if np.issubdtype(values.dtype, np.floating):
        return np.nan
    return ""


def _state_as_of(table: dict, later: list, day: np.datetime64, rows: np.ndarray) -> dict:
    out = {name: values[rows] for name, values in table.items()}
    for date_column, hidden in later:
        happened = table[date_column][rows]
        not_yet = np.isnat(happened) | (happened > day)
        for column, until in hidden.items():
            fill = _empty_like(out[column]) if until is None else until
            out[column] = np.where(not_yet, fill, out[column]).astype(out[column].dtype)
    return out


def initial_extract(export: str, table: dict, end: np.datetime64) -> dict:
    appears, later = REVEAL[export]
    n = len(next(iter(table.values())))
    rows = np.arange(n) if appears is None else np.flatnonzero(table[appears] <= end)
    return _state_as_of(table, later, end, rows)


def daily_delta(export: str, table: dict, day: np.datetime64) -> dict | None:
    """Rows that appeared or changed on `day`, as of `day`; None for exports not sent daily."""
    appears, later = REVEAL[export]
    if appears is None:
        return None
    changed = table[appears] == day
    for date_column, _ in later:
        changed |= (table[date_column] == day) & (table[appears] <= day)
    return _state_as_of(table, later, day, np.flatnonzero(changed))
