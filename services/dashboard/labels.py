"""Dutch words for what the dashboard shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.escalations.model import Severity, Status

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

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def datum(moment: datetime) -> str:
    """A moment as a Dutch date and time in Amsterdam's zone, e.g. '3 mrt 2026 14:05'."""
    local = moment.astimezone(AMSTERDAM)
    return f"{local.day} {MONTHS_NL[local.month - 1]} {local.year} {local:%H:%M}"
