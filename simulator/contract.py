"""The export contract, as data: every export's columns, types, keys and code lists.

`docs/export-contract.md` is the human-readable form of this module (a test keeps them in step).
The simulator writes exports to this contract (before planting defects), and its defect planter
uses it to know which columns are keys, codes, dates and amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Code lists.
GENDERS = ("M", "F")
MARITAL_STATUSES = ("single", "married", "divorced", "widowed")
OCCUPATION_CLASSES = ("1", "2", "3", "4", "5", "6")  # 1 = office work ... 6 = most hazardous
INCOME_BANDS = ("low", "middle", "high")
ACQUISITION_SOURCES = ("referral", "advertising", "promotion", "worksite", "bank")
SALES_CHANNELS = ("agent", "bancassurance", "telemarketing", "internet", "direct_mail")
AGENT_CHANNELS = ("agent", "bancassurance")
AGENT_RANKS = ("agent", "unit_manager", "branch_manager")
PRODUCT_TYPES = (
    "term", "whole_life", "endowment", "critical_illness", "annuity", "investment_linked",
)  # fmt: skip
PREMIUM_MODES = ("annual", "semi_annual", "quarterly", "monthly")
PAYMENT_METHODS = ("auto_debit", "credit_card", "agent_collection", "bank_transfer")
UNDERWRITING_DECISIONS = ("standard", "rated", "declined", "postponed")
POLICY_EVENT_TYPES = (
    "issued", "free_look_cancellation", "lapsed", "reinstated", "partial_surrender",
    "surrendered", "paid_up", "matured", "death_claim",
)  # fmt: skip
CLAIM_TYPES = ("death", "critical_illness", "hospitalisation", "disability")
CLAIM_DECISIONS = ("approved", "denied")
INTERACTION_CHANNELS = (
    "agent_visit", "call_centre", "web", "app", "email", "direct_mail", "bank_branch",
)  # fmt: skip
INTERACTION_TYPES = (
    "inquiry", "information_request", "information_sent", "service_request", "complaint",
    "compliment", "purchase", "cancellation",
)  # fmt: skip
INTERACTION_OUTCOMES = ("resolved", "pending", "escalated", "no_action")
CAMPAIGN_TYPES = ("retention", "cross_sell", "winback", "acquisition")
CAMPAIGN_CHANNELS = ("direct_mail", "telemarketing", "email", "agent_visit")
TRAINING_COURSES = ("PRODUCT", "COMPLIANCE", "NEEDS_ANALYSIS", "SERVICE", "DIGITAL")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, code, date, integer, amount, timestamp, flag (0/1), score
    required: bool = True
    codes: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Export:
    name: str
    system: str
    delivery: str  # "snapshot": latest row per key wins; "event": rows by event date
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    encoding: str = "utf-8"
    extra: dict = field(default_factory=dict)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(
    name: str, type_: str, required: bool = True, codes: tuple[str, ...] = (), d: str = ""
) -> Column:
    return Column(name, type_, required, codes, d)


EXPORTS: dict[str, Export] = {
    e.name: e
    for e in [
        Export(
            "customers", "policy administration", "snapshot", ("customer_id",),
            (
                _c("customer_id", "text", d="C + 8 digits"),
                _c("national_id", "text", d="Taiwan national ID with check digit"),
                _c("customer_name", "text"),
                _c("birth_date", "date"),
                _c("gender", "code", codes=GENDERS),
                _c("marital_status", "code", codes=MARITAL_STATUSES),
                _c("occupation_class", "code", codes=OCCUPATION_CLASSES),
                _c("income_band", "code", codes=INCOME_BANDS),
                _c("city", "text"),
                _c("district", "text"),
                _c("postal_code", "text", d="3 digits"),
                _c("address_line", "text", d="street address; may contain commas"),
                _c("phone", "text", False, d="09 + 8 digits"),
                _c("email", "text", False),
                _c("acquisition_source", "code", codes=ACQUISITION_SOURCES),
                _c("created_date", "date", d="first contact with the insurer"),
            ),
            "Everyone the insurer knows: policy owners, insureds and prospects.",
        ),
        Export(
            "agents", "agency management", "snapshot", ("agent_id",),
            (
                _c("agent_id", "text", d="A + 6 digits"),
                _c("agent_name", "text"),
                _c("hire_date", "date"),
                _c("termination_date", "date", False, d="empty while active"),
                _c("branch", "text"),
                _c("channel", "code", codes=AGENT_CHANNELS),
                _c("rank", "code", codes=AGENT_RANKS),
            ),
            description="Agents and bank sales staff. The agency system is a legacy one: its "
            "export may arrive in Big5 (cp950) rather than UTF-8.",
        ),
        Export(
            "products", "policy administration", "snapshot", ("product_code",),
            (
                _c("product_code", "text"),
                _c("product_name", "text"),
                _c("product_type", "code", codes=PRODUCT_TYPES),
                _c("premium_modes", "text", d="allowed modes separated by |"),
                _c("term_years", "integer", False, d="empty for whole-life products"),
                _c("first_year_commission_rate", "score", d="share of first-year premium"),
                _c("renewal_commission_rate", "score", d="share of later premiums"),
                _c(
                    "servicing_cost_per_policy_year_twd",
                    "integer",
                    d="finance's yearly administration cost of a policy in force",
                ),
                _c(
                    "investment_component_rate",
                    "score",
                    d="share of each premium that builds the policyholder's account value "
                    "(0 for protection products)",
                ),
                _c("launch_date", "date"),
            ),
        ),
        Export(
            "applications", "new business and underwriting", "event", ("application_id",),
            (
                _c("application_id", "text"),
                _c("customer_id", "text"),
                _c("agent_id", "text", False),
                _c("channel", "code", codes=SALES_CHANNELS),
                _c("product_code", "text"),
                _c("application_date", "date"),
                _c("proposed_sum_assured_twd", "amount"),
                _c("underwriting_decision", "code", False, codes=UNDERWRITING_DECISIONS,
                   d="empty until decided"),
                _c("decision_date", "date", False),
                _c("policy_number", "text", False, d="the policy issued, if any"),
            ),
        ),
        Export(
            "policies", "policy administration", "snapshot", ("policy_number",),
            (
                _c("policy_number", "text", d="P + 10 digits"),
                _c("owner_customer_id", "text"),
                _c("insured_customer_id", "text"),
                _c("agent_id", "text", d="servicing agent"),
                _c("channel", "code", codes=SALES_CHANNELS),
                _c("product_code", "text"),
                _c("issue_date", "date"),
                _c("sum_assured_twd", "amount"),
                _c("annualised_premium_twd", "amount"),
                _c("premium_mode", "code", codes=PREMIUM_MODES),
                _c("payment_method", "code", codes=PAYMENT_METHODS),
            ),
        ),
        Export(
            "policy_events", "policy administration", "event", ("event_id",),
            (
                _c("event_id", "text"),
                _c("policy_number", "text"),
                _c("event_type", "code", codes=POLICY_EVENT_TYPES),
                _c("event_date", "date"),
                _c("amount_twd", "amount", False, d="surrender value or benefit paid"),
            ),
        ),
        Export(
            "premium_payments", "billing", "event", ("payment_id",),
            (
                _c("payment_id", "text"),
                _c("policy_number", "text"),
                _c("due_date", "date"),
                _c("amount_due_twd", "amount"),
                _c("paid_date", "date", False, d="empty while unpaid"),
                _c("amount_paid_twd", "amount", False),
                _c("payment_method", "code", codes=PAYMENT_METHODS),
            ),
        ),
        Export(
            "claims", "claims", "event", ("claim_id",),
            (
                _c("claim_id", "text"),
                _c("policy_number", "text"),
                _c("claim_type", "code", codes=CLAIM_TYPES),
                _c("reported_date", "date"),
                _c("claimed_amount_twd", "amount"),
                _c("assessed_date", "date", False),
                _c("decision", "code", False, codes=CLAIM_DECISIONS),
                _c("decision_date", "date", False),
                _c("paid_date", "date", False),
                _c("paid_amount_twd", "amount", False),
            ),
        ),
        Export(
            "interactions", "contact centre and CRM", "event", ("interaction_id",),
            (
                _c("interaction_id", "text"),
                _c("customer_id", "text"),
                _c("policy_number", "text", False),
                _c("agent_id", "text", False),
                _c("channel", "code", codes=INTERACTION_CHANNELS),
                _c("interaction_type", "code", codes=INTERACTION_TYPES),
                _c("product_type", "code", False, codes=PRODUCT_TYPES,
                   d="the kind of insurance asked about or sent"),
                _c("interaction_date", "date"),
                _c("outcome", "code", codes=INTERACTION_OUTCOMES),
                _c("resolved_date", "date", False, d="complaints and service requests"),
                _c("notes", "text", False, d="free text; may hold commas, quotes and line breaks"),
            ),
        ),
        Export(
            "campaigns", "marketing", "snapshot", ("campaign_id",),
            (
                _c("campaign_id", "text"),
                _c("campaign_name", "text"),
                _c("campaign_type", "code", codes=CAMPAIGN_TYPES),
                _c("channel", "code", codes=CAMPAIGN_CHANNELS),
                _c("product_type", "code", False, codes=PRODUCT_TYPES),
                _c("start_date", "date"),
                _c("end_date", "date"),
                _c("cost_per_contact_twd", "amount"),
            ),
        ),
        Export(
            "campaign_touches", "marketing", "event", ("touch_id",),
            (
                _c("touch_id", "text"),
                _c("campaign_id", "text"),
                _c("customer_id", "text"),
                _c("touch_date", "date"),
                _c("is_control", "flag", d="1 = randomised hold-out, not contacted"),
                _c("responded", "flag"),
                _c("response_date", "date", False),
                _c("converted", "flag"),
                _c("policy_number", "text", False),
                _c("premium_won_twd", "amount", False),
            ),
        ),
        Export(
            "satisfaction_surveys", "quality management", "event", ("survey_id",),
            (
                _c("survey_id", "text"),
                _c("customer_id", "text"),
                _c("survey_date", "date"),
                _c("channel", "code", codes=INTERACTION_CHANNELS),
                _c("csat", "integer", d="1-5"),
                _c("nps", "integer", d="0-10"),
            ),
        ),
        Export(
            "agent_surveys", "quality management", "event", ("survey_id",),
            (
                _c("survey_id", "text"),
                _c("agent_id", "text"),
                _c("survey_date", "date"),
                _c("satisfaction", "integer", d="1-5"),
                _c("intends_to_stay", "flag"),
            ),
        ),
        Export(
            "agent_training", "quality management", "event", ("training_id",),
            (
                _c("training_id", "text"),
                _c("agent_id", "text"),
                _c("course_code", "code", codes=TRAINING_COURSES),
                _c("training_date", "date"),
                _c("hours", "integer"),
                _c("passed", "flag"),
            ),
        ),
        Export(
            "external_households", "purchased external data (vendor)", "snapshot",
            ("vendor_record_id",),
            (
                _c("vendor_record_id", "text"),
                _c("national_id_sha256", "text", d="sha256 of the upper-case national ID"),
                _c("postal_code", "text", d="the vendor's 5-digit form"),
                _c("household_size", "integer", False),
                _c("home_owner", "code", False, codes=("Y", "N", "U")),
                _c("household_income_band", "code", False, codes=("A", "B", "C", "D", "E")),
                _c("children_count", "integer", False),
                _c("vehicle_count", "integer", False),
                _c("match_confidence", "score"),
            ),
        ),
        Export(
            "external_areas", "purchased external data (vendor)", "snapshot", ("postal_code",),
            (
                _c("postal_code", "text", d="3 digits"),
                _c("population", "integer"),
                _c("median_household_income_twd", "amount"),
                _c("urbanisation", "code", codes=("urban", "suburban", "rural")),
                _c("median_age", "integer"),
            ),
        ),
    ]
}  # fmt: skip
