"""A Signalen API stand-in on a real HTTP server in the test process (STANDARDS.md "Signalen").

It serves `GET /signals/v1/private/signals/` with `updated_after` (inclusive, on `updated_at`), `page` and
`page_size`, in Signalen's default order (newest `created_at` first), as HAL pages
(`_links.self/next/previous`, `count`, `results`), and answers 401 without the bearer token. Tests add
signals at an address or a point, change their state, and make it answer 503 for the next N requests
or 401 always:

    with SignalenStandIn() as signalen:
        signal = signalen.add_signal(52.37, 4.89, address=Address("Dam", 1, "1012JS"))
        signalen.set_state(signal, "b")
        ... base_url: {signalen.url}, token_env with signalen.token ...
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from tests.support.http_server import HttpStandIn

LIST_PATH = "/signals/v1/private/signals/"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STATE_DISPLAY = {
    "m": "Gemeld",
    "i": "In afwachting van behandeling",
    "b": "In behandeling",
    "h": "On hold",
    "ingepland": "Ingepland",
    "o": "Afgehandeld",
    "a": "Geannuleerd",
    "reopened": "Heropend",
}


@dataclass(frozen=True)
class Address:
    """A Dutch address as Signalen's `location.address` holds it."""

    openbare_ruimte: str
    huisnummer: int
    postcode: str
    huisletter: str = ""
    huisnummer_toevoeging: str = ""
    woonplaats: str = "Amsterdam"

    def as_json(self) -> dict[str, Any]:
        return {
            "openbare_ruimte": self.openbare_ruimte,
            "huisnummer": self.huisnummer,
            "huisletter": self.huisletter,
            "huisnummer_toevoeging": self.huisnummer_toevoeging,
            "postcode": self.postcode,
            "woonplaats": self.woonplaats,
        }

    def text(self) -> str:
        addition = f"-{self.huisnummer_toevoeging}" if self.huisnummer_toevoeging else ""
        number = f"{self.huisnummer}{self.huisletter}{addition}"
        return f"{self.openbare_ruimte} {number}, {self.postcode} {self.woonplaats}"


@dataclass
class StoredSignal:
    """One signal held by the stand-in."""

    id: int
    signal_id: str
    created_at: datetime
    updated_at: datetime
    main_slug: str
    sub_slug: str
    lat: float | None
    lon: float | None
    address: Address | None
    state: str
    status_at: datetime
    text: str = "Er ligt afval naast de container"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        geometry = (
            {"type": "Point", "coordinates": [self.lon, self.lat]}
            if self.lat is not None and self.lon is not None
            else None
        )
        document: dict[str, Any] = {
            "id": self.id,
            "id_display": f"SIG-{self.id}",
            "signal_id": self.signal_id,
            "source": "online",
            "text": self.text,
            "category": {
                "main": self.main_slug.capitalize(),
                "main_slug": self.main_slug,
                "sub": self.sub_slug.capitalize(),
                "sub_slug": self.sub_slug,
                "departments": "ASC",
            },
            "location": {
                "stadsdeel": "A",
                "buurt_code": "A04i",
                "area_type_code": None,
                "area_code": None,
                "address": self.address.as_json() if self.address else None,
                "address_text": self.address.text() if self.address else None,
                "geometrie": geometry,
            },
            "status": {
                "state": self.state,
                "state_display": STATE_DISPLAY.get(self.state, self.state),
                "text": None,
                "created_at": _local(self.status_at),
            },
            "priority": {"priority": "normal"},
            "type": {"code": "SIG"},
            "created_at": _local(self.created_at),
            "updated_at": _local(self.updated_at),
            "incident_date_start": _local(self.created_at),
        }
        document.update(self.extra)
        return document


class SignalenStandIn(HttpStandIn):
    """A Signalen instance for tests: start it with `with`, point a connector at `url` with `token`."""

    def __init__(self, *, token: str = "signalen-test-token", page_size: int = 100) -> None:  # noqa: S107
        self.token = token
        self.page_size = page_size
        self.requests: list[dict[str, Any]] = []
        self._signals: dict[int, StoredSignal] = {}
        self._lock = threading.Lock()
        self._failures_left = 0
        self._failure_status = 503
        self._retry_after: str | None = None
        self._refuse = False

    label = "Signalen stand-in"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    # data

    def add_signal(
        self,
        lat: float | None,
        lon: float | None,
        *,
        address: Address | None = None,
        created_at: datetime | None = None,
        main_slug: str = "afval",
        sub_slug: str = "huisvuil",
        state: str = "m",
        extra: dict[str, Any] | None = None,
    ) -> int:
        """Add a signal (at `address` if given, at the point anyway; no point: `lat=lon=None`); its id."""
        moment = created_at or datetime.now(UTC)
        with self._lock:
            identifier = max(self._signals, default=0) + 1
            self._signals[identifier] = StoredSignal(
                id=identifier,
                signal_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"signalen-stand-in/{identifier}")),
                created_at=moment,
                updated_at=moment,
                main_slug=main_slug,
                sub_slug=sub_slug,
                lat=lat,
                lon=lon,
                address=address,
                state=state,
                status_at=moment,
                extra=dict(extra or {}),
            )
        return identifier

    def set_state(self, identifier: int, state: str, *, at: datetime | None = None) -> datetime:
        """Give a signal a new status at `at` (default now), which also moves its `updated_at`."""
        with self._lock:
            signal = self._signals[identifier]
            moment = at or datetime.now(UTC)
            if moment <= signal.updated_at:
                moment = signal.updated_at + timedelta(microseconds=1)
            signal.state = state
            signal.status_at = moment
            signal.updated_at = moment
            return moment

    def signal(self, identifier: int) -> dict[str, Any]:
        """A signal as the API shows it."""
        with self._lock:
            return self._signals[identifier].as_json()

    # failures

    def fail_next(self, count: int, *, status: int = 503, retry_after: str | None = None) -> None:
        """Answer the next `count` requests with `status` (and a Retry-After header if given)."""
        with self._lock:
            self._failures_left = count
            self._failure_status = status
            self._retry_after = retry_after

    def refuse_tokens(self, refuse: bool = True) -> None:
        """Answer 401 to every request (as if the token was revoked) until called with False."""
        with self._lock:
            self._refuse = refuse

    @property
    def failures_left(self) -> int:
        with self._lock:
            return self._failures_left

    # serving

    def answer(self, path: str, query: str, authorization: str | None) -> tuple[int, dict[str, str], Any]:
        """The status, extra headers and JSON body for one GET (called by the HTTP handler)."""
        with self._lock:
            self.requests.append({"path": path, "query": query, "authorization": authorization})
            if self._failures_left > 0:
                self._failures_left -= 1
                headers = {"Retry-After": self._retry_after} if self._retry_after else {}
                return self._failure_status, headers, {"detail": "Service Unavailable"}
            if self._refuse or authorization != f"Bearer {self.token}":
                return (
                    401,
                    {"WWW-Authenticate": "Bearer"},
                    {"detail": "Authentication credentials were invalid."},
                )
            if path != LIST_PATH:
                return 404, {}, {"detail": "Not found."}
            return self._list(parse_qs(query))

    def _list(self, params: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        try:
            after = _param_time(params, "updated_after")
            page = int(params.get("page", ["1"])[0])
            size = int(params.get("page_size", [str(self.page_size)])[0])
        except ValueError:
            return 400, {}, {"detail": "Invalid filter."}
        if page < 1 or size < 1:
            return 404, {}, {"detail": "Invalid page."}
        matching = [s for s in self._signals.values() if after is None or s.updated_at >= after]
        matching.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        last_page = max(1, -(-len(matching) // size))
        if page > last_page:
            return 404, {}, {"detail": "Invalid page."}
        chunk = matching[(page - 1) * size : page * size]
        return (
            200,
            {},
            {
                "_links": {
                    "self": {"href": self._href(params, page)},
                    "next": {"href": self._href(params, page + 1) if page < last_page else None},
                    "previous": {"href": self._href(params, page - 1) if page > 1 else None},
                },
                "count": len(matching),
                "results": [signal.as_json() for signal in chunk],
            },
        )

    def _href(self, params: dict[str, list[str]], page: int) -> str:
        query = {name: values[0] for name, values in params.items() if name != "page"}
        query["page"] = str(page)
        return f"{self.url}{LIST_PATH}?{urlencode(query)}"


def _handler_for(stand_in: SignalenStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, headers, body = stand_in.answer(
                parts.path, parts.query, self.headers.get("Authorization")
            )
            payload = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _param_time(params: dict[str, list[str]], name: str) -> datetime | None:
    values = params.get(name)
    if not values:
        return None
    moment = datetime.fromisoformat(values[0])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment


def _local(moment: datetime) -> str:
    """A timestamp as Signalen writes it: local time with its offset."""
    return moment.astimezone(AMSTERDAM).isoformat()
