"""The contact centre and CRM log: inquiries, information sent, purchases, service and complaints.

It follows the paper's lifecycle: people inquire about a kind of insurance, ask for and are sent
information, and some buy. Prospects inquire and are sent information but never buy, which is
the "asked, was sent the information, has not bought" list marketing works from. The CRM starts
with the world, so nothing is logged before cfg.start, and nothing after the horizon.
"""

from __future__ import annotations

import numpy as np

from simulator.block import Block
from simulator.crm_campaigns import (
    FAR,
    death_dates,
    draw_product_types,
    new_ids,
    recode,
    segment_index,
    uniform_dates,
)
from simulator.ids import DAY, NAT

# Where people ask questions, from the channel they prefer.
INQUIRY_CHANNEL = {
    "agent_visit": "agent_visit", "bank_branch": "agent_visit", "call_centre": "call_centre",
    "direct_mail": "call_centre", "web": "web", "app": "web", "email": "web",
}  # fmt: skip
# Where a policy is bought (or cancelled), from its sales channel.
SALES_TOUCHPOINT = {
    "agent": "agent_visit", "bancassurance": "bank_branch", "internet": "web",
    "telemarketing": "call_centre", "direct_mail": "direct_mail",
}  # fmt: skip
SERVICE_CHANNELS = np.array(["call_centre", "web", "app", "agent_visit"])
SERVICE_SHARE = [0.45, 0.25, 0.15, 0.15]

FUNNEL_SHARE = 0.5  # policies whose purchase was preceded by a logged inquiry
REQUEST_SHARE = 0.6  # inquiries followed by an explicit information request
SERVICE_PER_YEAR = 0.3  # service requests per policy-year in force
EXTRA_INQUIRIES = 0.6  # inquiries that do not lead to a purchase, per policyholder
PROSPECT_INQUIRIES = 0.8  # inquiries beyond the first, per prospect
COMPLIMENTS_PER_YEAR = 0.12  # scaled by satisfaction cubed: only the happy write in

NOTES_COMMA = np.array([
    "Customer called back, asked about premiums", "Sent brochure, follow up next week",
    "Updated address, new phone number noted", "Asked about riders, wants a quote",
])  # fmt: skip
NOTES_QUOTE = np.array([
    'Customer said the premium is "too high"', 'Asked for the "family plan" brochure',
])  # fmt: skip
NOTES_BREAK = np.array([
    "Follow-up needed\nCall back after 6pm", "Left voicemail\nWill try again tomorrow",
])  # fmt: skip


def _part(cidx: np.ndarray, date: np.ndarray, kind: str, channel: np.ndarray, **cols) -> dict:
    """One slice of the log; scalar columns are broadcast to its length."""
    n = len(cidx)
    row = {
        "customer_idx": cidx.astype(np.int64),
        "interaction_date": date.astype("datetime64[D]"),
        "interaction_type": np.full(n, kind, dtype="<U20"),
        "channel": np.asarray(channel, dtype="<U12"),
        "policy_number": "", "agent_id": "", "product_type": "", "outcome": "resolved",
        "resolved_date": NAT,
    }  # fmt: skip
    row.update(cols)
    return {k: np.broadcast_to(v, n) if np.ndim(v) == 0 else np.asarray(v) for k, v in row.items()}


def _agent_visit(channel: np.ndarray, agent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent visits need an agent: without one, people phone instead. Returns (channel, agent)."""
    channel = np.where((channel == "agent_visit") & (agent == ""), "call_centre", channel)
    return channel, np.where(channel == "agent_visit", agent, "")


def _inquiry_channel(rng: np.random.Generator, preferred: np.ndarray) -> np.ndarray:
    """Mostly the channel people prefer, sometimes any of web, phone or an agent."""
    channel = recode(preferred, INQUIRY_CHANNEL, "call_centre")
    other = np.array(["web", "call_centre", "agent_visit"])[rng.integers(0, 3, len(channel))]
    return np.where(rng.random(len(channel)) < 0.8, channel, other)


def _information(
    rng: np.random.Generator,
    cidx: np.ndarray,
    inquiry: np.ndarray,
    channel: np.ndarray,
    agent: np.ndarray,
    product: np.ndarray,
    preferred: np.ndarray,
    latest: np.ndarray,
    sent_share: np.ndarray,
) -> list[dict]:
    """Information requests (where the inquiry was made) and the information sent, by `latest`."""
    n = len(cidx)
    asked = rng.random(n) < REQUEST_SHARE
    asked_on = np.minimum(inquiry + rng.integers(0, 3, n) * DAY, latest)
    sent = rng.random(n) < np.where(asked, 1.0, sent_share)
    sent_on = np.minimum(inquiry + rng.integers(1, 11, n) * DAY, latest)
    digital = np.isin(preferred, ["web", "app", "email"]) ^ (rng.random(n) < 0.2)
    return [
        _part(cidx[asked], asked_on[asked], "information_request", channel[asked],
              agent_id=agent[asked], product_type=product[asked]),
        _part(cidx[sent], sent_on[sent], "information_sent",
              np.where(digital, "email", "direct_mail")[sent], product_type=product[sent]),
    ]  # fmt: skip


def _policy_cols(pol: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The policy number and product type of interactions about these policies."""
    return {"policy_number": pol["policy_number"][rows], "product_type": pol["product_type"][rows]}


def _sales_touchpoint(pol: dict, rows: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
    """Where these policies were bought and would be cancelled: (channel, agent_id)."""
    channel = recode(pol["channel"][rows], SALES_TOUCHPOINT, "call_centre")
    return _agent_visit(channel, pol["agent_id"][rows])


def interactions(block: Block, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The interactions export of this block, with the internal `customer_idx` column."""
    cust, pol, comp = block.customers, block.policies, block.complaints
    start, horizon = block.start, block.horizon
    segment, death = segment_index(cust), death_dates(block)
    preferred, created = cust["preferred_channel"], cust["created_date"]
    prospect = cust["is_prospect"].astype(bool)
    owner, issue, npol = pol["owner_idx"], pol["issue_date"], len(pol["owner_idx"])
    policy_end = np.where(np.isnat(pol["end_date"]), FAR, pol["end_date"])
    parts: list[dict] = []

    # Purchases, half of them after a logged inquiry and the information sent.
    lead = (issue - created[owner]) // DAY
    f = np.flatnonzero((rng.random(npol) < FUNNEL_SHARE) & (lead >= 5))
    days = 5 + (rng.random(len(f)) * (np.minimum(lead[f], 60) - 4)).astype(np.int64)
    inquiry = issue[f] - days * DAY
    channel, agent = _agent_visit(_inquiry_channel(rng, preferred[owner[f]]), pol["agent_id"][f])
    product = pol["product_type"][f]
    parts.append(_part(owner[f], inquiry, "inquiry", channel, agent_id=agent, product_type=product))
    info_args = (channel, agent, product, preferred[owner[f]], issue[f] - DAY, np.ones(len(f)))
    parts += _information(rng, owner[f], inquiry, *info_args)
    channel, agent = _sales_touchpoint(pol, slice(None))
    everything = np.arange(npol)
    bought = _part(owner, issue, "purchase", channel, agent_id=agent)
    parts.append({**bought, **_policy_cols(pol, everything)})

    # Inquiries that led nowhere: every prospect's first contact and more, some of customers'.
    extra = np.where(
        prospect,
        1 + rng.poisson(PROSPECT_INQUIRIES, len(prospect)),
        rng.poisson(EXTRA_INQUIRIES, len(prospect)),
    )
    who = np.repeat(np.arange(len(prospect)), extra)
    first = np.r_[True, who[1:] != who[:-1]] & prospect[who]
    lo = np.maximum(created[who], start)
    when = np.where(first, created[who], uniform_dates(rng, lo, np.maximum(lo, horizon)))
    channel, agent = _agent_visit(_inquiry_channel(rng, preferred[who]), cust["agent_id"][who])
    product = draw_product_types(rng, segment[who])
    parts.append(_part(who, when, "inquiry", channel, agent_id=agent, product_type=product))
    info_args = (channel, agent, product, preferred[who], np.full(len(who), horizon))
    parts += _information(rng, who, when, *info_args, np.where(prospect[who], 0.85, 0.4))

    # Service requests while a policy is in force.
    lo = np.maximum(issue, start)
    hi = np.minimum(np.minimum(policy_end, death[pol["insured_idx"]]), horizon)
    years = np.maximum((hi - lo) // DAY, 0) / 365.25
    p = np.repeat(np.arange(npol), rng.poisson(SERVICE_PER_YEAR * years))
    when = uniform_dates(rng, lo[p], hi[p])
    own = np.isin(preferred[owner[p]], SERVICE_CHANNELS) & (rng.random(len(p)) < 0.6)
    drawn = SERVICE_CHANNELS[rng.choice(len(SERVICE_CHANNELS), len(p), p=SERVICE_SHARE)]
    channel, agent = _agent_visit(np.where(own, preferred[owner[p]], drawn), pol["agent_id"][p])
    done = when + np.minimum(rng.geometric(0.25, len(p)) - 1, 14) * DAY
    pending = done > horizon
    parts.append(
        _part(
            owner[p],
            when,
            "service_request",
            channel,
            agent_id=agent,
            **_policy_cols(pol, p),
            outcome=np.where(pending, "pending", "resolved"),
            resolved_date=np.where(pending, NAT, done),
        )
    )

    # Compliments, from the satisfied, and cancellations on the day a policy is given up.
    lo = np.maximum(created, start)
    hi = np.minimum(death, horizon)
    years = np.maximum((hi - lo) // DAY, 0) / 365.25
    rate = COMPLIMENTS_PER_YEAR * cust["satisfaction"] ** 3 * years * ~prospect
    who = np.repeat(np.arange(len(prospect)), rng.poisson(rate))
    channel, agent = _agent_visit(preferred[who].astype("<U12"), cust["agent_id"][who])
    when = uniform_dates(rng, lo[who], hi[who])
    parts.append(_part(who, when, "compliment", channel, agent_id=agent, outcome="no_action"))
    c = np.flatnonzero(np.isin(pol["end_type"], ["surrendered", "free_look_cancellation"]))
    channel, agent = _sales_touchpoint(pol, c)
    cancelled = _part(owner[c], policy_end[c], "cancellation", channel, agent_id=agent)
    parts.append({**cancelled, **_policy_cols(pol, c)})

    log = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    date = log["interaction_date"]
    keep = (date >= start) & (date <= horizon) & (date < death[log["customer_idx"]])
    log = {k: v[keep] for k, v in log.items()}

    # Complaints come from the complaints system as they are (policy_idx -1 means none).
    pidx = comp["policy_idx"]
    resolved = comp["resolved_date"]
    resolved = np.where(resolved <= horizon, resolved, NAT)
    open_ = np.where(rng.random(len(pidx)) < 0.7, "pending", "escalated")
    linked = np.where(pidx >= 0, pidx, 0)

    def by_policy(col: str) -> np.ndarray:
        return np.where(pidx >= 0, pol[col][linked], "") if npol else np.full(len(pidx), "")

    # Keep the complaint's own channel; an agent visit names the policy's or customer's agent.
    channel = comp["channel"].astype("<U12")
    agent = by_policy("agent_id")
    agent = np.where(agent == "", cust["agent_id"][comp["customer_idx"]], agent)
    agent = np.where(channel == "agent_visit", agent, "")
    complaints = _part(
        comp["customer_idx"],
        comp["complaint_date"],
        "complaint",
        channel,
        agent_id=agent,
        policy_number=by_policy("policy_number"),
        product_type=by_policy("product_type"),
        outcome=np.where(np.isnat(resolved), open_, "resolved"),
        resolved_date=resolved,
    )
    keep = complaints["interaction_date"] <= horizon
    log = {k: np.concatenate([v, complaints[k][keep]]) for k, v in log.items()}

    order = np.lexsort((log["customer_idx"], log["interaction_date"]))
    log = {k: v[order] for k, v in log.items()}
    n = len(order)
    return {
        "interaction_id": new_ids("I", block.index, n, 12),
        "customer_id": cust["customer_id"][log["customer_idx"]],
        "policy_number": log["policy_number"].astype(str),
        "agent_id": log["agent_id"].astype(str),
        "channel": log["channel"].astype(str),
        "interaction_type": log["interaction_type"].astype(str),
        "product_type": log["product_type"].astype(str),
        "interaction_date": log["interaction_date"],
        "outcome": log["outcome"].astype(str),
        "resolved_date": log["resolved_date"],
        "notes": _notes(rng, n),
        "customer_idx": log["customer_idx"],
    }


def _notes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly empty; a few notes with commas, quotes or line breaks to test CSV quoting."""
    u = rng.random(n)
    notes = np.full(n, "", dtype="<U64")
    for lo, hi, texts in (
        (0.0, 0.05, NOTES_COMMA),
        (0.05, 0.06, NOTES_QUOTE),
        (0.06, 0.07, NOTES_BREAK),
    ):
        hit = (u >= lo) & (u < hi)
        notes[hit] = texts[rng.integers(0, len(texts), int(hit.sum()))]
    return notes
