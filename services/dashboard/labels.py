"""Dutch words for what the dashboard shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from schemas.identifiers import Domain
from services.escalations.lifecycle import Action
from services.escalations.model import Severity, Status
from services.escalations.sla import Clock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

SEVERITY_NL = {Severity.HIGH: "hoog", Severity.MEDIUM: "middel", Severity.LOW: "laag"}

STATUS_NL = {
    Status.OPEN: "open",
    Status.ACKNOWLEDGED: "gezien",
    Status.IN_PROGRESS: "in behandeling",
    Status.DECIDED: "besloten",
    Status.RESOLVED: "afgehandeld",
    Status.REOPENED: "heropend",
    Status.WITHDRAWN: "ingetrokken",
}

#: A lifecycle step as the escalation's history shows it.
ACTION_NL = {
    Action.ACKNOWLEDGE: "erkend",
    Action.ASSIGN: "toegewezen",
    Action.DECIDE: "besloten",
    Action.RESOLVE: "afgehandeld",
    Action.REOPEN: "heropend",
    Action.COMMENT: "reactie",
    Action.CONFIRM: "opdracht uitgevoerd",
}

DECISION_KIND_NL = {"maatwerk": "Maatwerk", "rule_change": "Regel aanpassen", "no_action": "Geen actie"}

DOMAIN_NL = {
    Domain.HOUSING: "wonen",
    Domain.SOCIAL: "sociaal domein",
    Domain.SAFETY: "veiligheid",
    Domain.MUNICIPALITY: "gemeente",
    Domain.RESIDENTS: "bewoners",
    Domain.TASKFORCE: "taskforce",
}

#: The SLA clock that runs: what the taskforce owes the escalation next.
CLOCK_NL = {Clock.ACKNOWLEDGE: "erkennen", Clock.DECISION: "besluit"}

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def datum(moment: datetime) -> str:
    """A moment as a Dutch date and time in Amsterdam's zone, e.g. '3 mrt 2026 14:05'."""
    local = moment.astimezone(AMSTERDAM)
    return f"{local.day} {MONTHS_NL[local.month - 1]} {local.year} {local:%H:%M}"
