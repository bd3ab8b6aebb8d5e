"""The queue's filters, sort and page as its URL carries them: read leniently, written back for links.

A stale bookmark or a hand-edited URL never fails the page: a value that is not one of the known ones
counts as not given (the default). The live stream takes the same parameters, so that it sends exactly
the rows the open queue page would show.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from services.escalations.model import EscalationFilter, EscalationSort, Severity, Status
from services.geo.registry import BuurtRegistry

QUEUE_PATH = "/escalaties"
LIVE_PATH = "/escalaties/live"
PAGE_SIZE = 50
MAX_PAGE = 100_000

#: The status filter's special values next to the statuses themselves.
RUNNING = "lopend"
ALL = "alle"
#: An old name of RUNNING that bookmarks may still carry.
RUNNING_ALIASES = frozenset({RUNNING, "actief"})
RUNNING_STATUSES = tuple(status for status in Status if status not in (Status.RESOLVED, Status.WITHDRAWN))

#: The sort parameter's Dutch values.
SORTS: Mapping[str, EscalationSort] = {
    "bijgewerkt": EscalationSort.UPDATED,
    "geopend": EscalationSort.OPENED,
    "ernst": EscalationSort.SEVERITY,
    "buurt": EscalationSort.BUURT,
}
DEFAULT_SORT = "bijgewerkt"
TRUE_VALUES = frozenset({"1", "ja", "on", "true"})


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: the filters (each "" when not given), the sort and the page (from 1)."""

    status: str = RUNNING
    buurt: str = ""
    wijk: str = ""
    rule: str = ""
    severity: str = ""
    org: str = ""
    over_sla: bool = False
    with_silenced: bool = False
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def filter(self, registry: BuurtRegistry) -> EscalationFilter:
        """The store's filter for this page (a wijk becomes the list of its buurten)."""
        buurten = None
        if self.wijk:
            buurten = tuple(buurt.code for buurt in registry if buurt.wijk_code == self.wijk)
        return EscalationFilter(
            status=_statuses(self.status),
            buurt=self.buurt or None,
            buurten=buurten,
            rule=self.rule or None,
            severity=Severity(self.severity) if self.severity else None,
            org=self.org or None,
            over_sla=self.over_sla,
            silenced=None if self.with_silenced else False,
            sort=SORTS[self.sort],
            limit=PAGE_SIZE,
            offset=self.offset,
        )

    def params(self, *, paging: bool = True) -> dict[str, str]:
        """The URL parameters that differ from the defaults (without sort and page if not `paging`)."""
        values = {
            "status": "" if self.status == RUNNING else self.status,
            "buurt": self.buurt,
            "wijk": self.wijk,
            "rule": self.rule,
            "severity": self.severity,
            "org": self.org,
            "over_tijd": "1" if self.over_sla else "",
            "gedempt": "1" if self.with_silenced else "",
        }
        if paging:
            values["sort"] = "" if self.sort == DEFAULT_SORT else self.sort
            values["pagina"] = "" if self.page == 1 else str(self.page)
        return {key: value for key, value in values.items() if value}

    def url(self, *, page: int | None = None) -> str:
        """The queue page with these filters and this sort, at `page` (default: this one)."""
        query = urlencode(replace(self, page=page or self.page).params())
        return f"{QUEUE_PATH}?{query}" if query else QUEUE_PATH

    def live_url(self) -> str:
        """The live stream of the rows these filters select."""
        query = urlencode(self.params(paging=False))
        return f"{LIVE_PATH}?{query}" if query else LIVE_PATH


def parse_queue_query(
    params: Mapping[str, str],
    registry: BuurtRegistry,
    *,
    rules: frozenset[str],
    orgs: frozenset[str],
) -> QueueQuery:
    """The query in `params`; unknown values (a buurt, wijk, rule or organisation that does not exist, a
    status or sort that is not one) count as not given."""
    wijken = {buurt.wijk_code for buurt in registry}
    return QueueQuery(
        status=_status_value(params.get("status", "")),
        buurt=_known(params.get("buurt", ""), registry),
        wijk=_known(params.get("wijk", ""), wijken),
        rule=_known(params.get("rule", ""), rules),
        severity=_known(params.get("severity", ""), {item.value for item in Severity}),
        org=_known(params.get("org", ""), orgs),
        over_sla=params.get("over_tijd", "").lower() in TRUE_VALUES,
        with_silenced=params.get("gedempt", "").lower() in TRUE_VALUES,
        sort=_known(params.get("sort", ""), SORTS) or DEFAULT_SORT,
        page=_page(params.get("pagina", "")),
    )


def _status_value(value: str) -> str:
    if value == ALL or value in {item.value for item in Status}:
        return value
    return RUNNING  # RUNNING_ALIASES, nothing, or something unknown


def _statuses(value: str) -> tuple[Status, ...] | None:
    if value == ALL:
        return None
    if value in RUNNING_ALIASES:
        return RUNNING_STATUSES
    return (Status(value),)


def _known(value: str, known: Container[str]) -> str:
    return value if value and value in known else ""


def _page(value: str) -> int:
    if not value.isdigit() or len(value) > len(str(MAX_PAGE)):
        return 1
    return min(max(int(value), 1), MAX_PAGE)
