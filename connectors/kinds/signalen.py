"""`kind: signalen`: polls a Signalen instance (meldingen openbare ruimte) for new and changed signals.

Each poll reads one page of `GET {base_url}/signals/v1/private/signals/?updated_after=<watermark>` with the
OIDC bearer token from `token_env`, maps its signals (`connectors.kinds.signalen_mapping`) and returns
`more=True` while the page has a `_links.next`.

Checkpoint (JSON, never an address):

    updated_after   the watermark: the largest `updated_at` of a completed read, in UTC ISO 8601
    seen            ids of the signals read with exactly that `updated_at` (Signalen's filter is inclusive,
                    so they come again and are skipped: a restart re-emits nothing)
    next            while paging: the query of `_links.next` (e.g. `updated_after=…&page=3`)
    high, high_ids  while paging: the largest `updated_at` met so far in this read, and its signals' ids

Paging. The watermark stays where it was until the last page of a read is done, because the list is not
ordered by `updated_at` (Signalen's default order is by creation, newest first): moving it after page 1
would skip the later pages' older changes. The query of `_links.next` is kept in the checkpoint, so a
restart in the middle of a read resumes at the page it stopped at instead of reading (and emitting) the
earlier pages again. Only the query is kept, applied to the configured `base_url`: a next link that
names another host never receives the token. Page-number paging over a live list is not a snapshot: a
signal created while paging pushes the others one place on, so one may be read twice (its events carry
the same ids, the hub keeps one).

Known limits: a signal whose state changes while a read of several pages is under way, on a page already
read, is caught by the next read unless a later page holds a signal changed even later (the watermark
then passes it); and the list shows only a signal's current status, so states that come and go between
two polls are not seen (Signalen's per-signal history endpoint would be needed for both).

Failures. 401/403 is a PermanentError (the token is wrong; retrying will not fix it); other 4xx and
redirects are permanent too (a wrong `base_url`). 429, 5xx, timeouts and connection errors are transient,
with Signalen's Retry-After as `retry_after_s`. A page that is not the documented JSON (an HTML error page
from a proxy, a truncated body) is transient as well: it is almost always an infrastructure hiccup, the
runner retries it with backoff and shows the reason in the connector's status, and nothing is skipped.
A single signal that cannot be mapped (no point, no category, a bad timestamp) is a Reject carrying only
its ids and timestamps; the rest of the page goes on.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BeforeValidator, Field

from connectors.base import ConnectorContext, SourceConnector
from connectors.config import ConnectorConfig, EnvName, Pseudonymisation
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.kinds.signalen_mapping import (
    MalformedSignalError,
    Watermark,
    header,
    map_signal,
    reject,
)
from connectors.model import Batch, Checkpoint, Outcome
from connectors.pseudonym import Pseudonymiser
from services.rules.durations import parse_duration

log = logging.getLogger(__name__)

LIST_PATH = "/signals/v1/private/signals/"


def parse_interval(value: Any) -> timedelta:
    """A poll interval: `30s`, a number of seconds, or a duration that parse_duration reads (`5m`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip().endswith("s") and value.strip()[:-1].strip().isdigit():
        seconds = float(value.strip()[:-1])
    else:
        return parse_duration(value)
    if seconds <= 0:
        raise ValueError("a poll interval must be longer than zero")
    return timedelta(seconds=seconds)


Interval = Annotated[timedelta, BeforeValidator(parse_interval)]


class SignalenConfig(ConnectorConfig):
    """A Signalen connector's file: the common settings plus where Signalen is and how to ask it."""

    kind: Literal["signalen"]
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")]
    token_env: EnvName
    poll_interval: Interval = timedelta(seconds=60)
    page_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    #: Required: the subject is the pseudonym of an address.
    pseudonymisation: Pseudonymisation


class SignalenUnavailableError(TransientError):
    """Signalen did not answer usefully this time; `retry_after_s` is its Retry-After, if it sent one."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class SignalenConnector(SourceConnector[SignalenConfig]):
    """Reads signals page by page after a watermark on `updated_at`."""

    def __init__(self, config: SignalenConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self.poll_interval_s = config.poll_interval.total_seconds()
        self.list_url = config.base_url.rstrip("/") + LIST_PATH
        self._client: httpx.Client | None = None
        self._pseudonymiser: Pseudonymiser | None = None

    def setup(self) -> None:
        token = os.environ.get(self.config.token_env)
        if not token:
            raise ConfigError(
                self.context.file, "token_env", f"environment variable {self.config.token_env} is not set"
            )
        self._pseudonymiser = self.context.require_pseudonymiser()
        self._client = httpx.Client(
            timeout=self.config.timeout_s,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        position = ReadPosition.load(checkpoint, self.context.file)
        page = self._fetch(position)
        results, next_query = _page_parts(page)
        pseudonymiser = self._require_pseudonymiser()
        watermark = position.watermark()
        outcomes: list[Outcome] = []
        high, high_ids = position.high, set(position.high_ids)
        for index, signal in enumerate(results):
            try:
                head = header(signal)
            except MalformedSignalError as exc:
                outcomes.append(reject(signal, exc, f"signal at results[{index}] of {position.describe()}"))
                continue
            if watermark.after is not None and (
                head.updated_at < watermark.after
                or (head.updated_at == watermark.after and head.key in watermark.seen)
            ):
                continue
            outcomes.extend(map_signal(signal, watermark, pseudonymiser, self.source))
            if high is None or head.updated_at > high:
                high, high_ids = head.updated_at, {head.key}
            elif head.updated_at == high:
                high_ids.add(head.key)
        log.debug(
            "connector %s: %d signal(s) on %s, %d outcome(s)",
            self.config.name,
            len(results),
            position.describe(),
            len(outcomes),
        )
        following = (
            position.next_page(next_query, high, high_ids) if next_query else position.done(high, high_ids)
        )
        return Batch(outcomes=outcomes, checkpoint=following.dump(), more=next_query is not None)

    def _require_pseudonymiser(self) -> Pseudonymiser:
        if self._pseudonymiser is None:
            self._pseudonymiser = self.context.require_pseudonymiser()
        return self._pseudonymiser

    def _fetch(self, position: ReadPosition) -> Any:
        if self._client is None:
            raise PermanentError("the Signalen connector was polled before setup")
        if position.next is not None:
            url = f"{self.list_url}?{position.next}"
            params: dict[str, str] = {}
        else:
            url = self.list_url
            params = {}
            if position.updated_after is not None:
                params["updated_after"] = position.updated_after.isoformat()
            if self.config.page_size is not None:
                params["page_size"] = str(self.config.page_size)
        try:
            response = self._client.get(url, params=params or None)
        except httpx.TimeoutException as exc:
            raise SignalenUnavailableError(
                f"Signalen did not answer within {self.config.timeout_s:g} s ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise SignalenUnavailableError(f"cannot reach Signalen: {type(exc).__name__}: {exc}") from exc
        _check_status(response)
        try:
            return response.json()
        except ValueError as exc:
            raise SignalenUnavailableError("Signalen answered with a page that is not JSON") from exc


class ReadPosition:
    """The checkpoint of a Signalen connector, parsed (see the module docstring)."""

    def __init__(
        self,
        updated_after: datetime | None = None,
        seen: frozenset[str] = frozenset(),
        next_query: str | None = None,
        high: datetime | None = None,
        high_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.updated_after = updated_after
        self.seen = seen
        self.next = next_query
        self.high = high
        self.high_ids = high_ids

    @classmethod
    def load(cls, checkpoint: Checkpoint | None, file: str) -> ReadPosition:
        if not checkpoint:
            return cls()
        try:
            next_query = checkpoint.get("next")
            if next_query is not None and not isinstance(next_query, str):
                raise TypeError("next")
            return cls(
                updated_after=_moment(checkpoint.get("updated_after")),
                seen=_ids(checkpoint.get("seen")),
                next_query=next_query,
                high=_moment(checkpoint.get("high")),
                high_ids=_ids(checkpoint.get("high_ids")),
            )
        except (TypeError, ValueError) as exc:
            raise PermanentError(
                f"{file}: the saved checkpoint is not a Signalen checkpoint ({exc}); "
                "reset it (wijkbrug connector reset) to read from the start"
            ) from exc

    def watermark(self) -> Watermark:
        return Watermark(after=self.updated_after, seen=self.seen)

    def describe(self) -> str:
        return f"page ?{self.next}" if self.next else "the first page"

    def next_page(self, query: str, high: datetime | None, high_ids: set[str]) -> ReadPosition:
        return ReadPosition(self.updated_after, self.seen, query, high, frozenset(high_ids))

    def done(self, high: datetime | None, high_ids: set[str]) -> ReadPosition:
        """The position after the last page of a read: the watermark moves to the largest `updated_at`."""
        if high is None:
            return ReadPosition(self.updated_after, self.seen)
        if self.updated_after is None or high > self.updated_after:
            return ReadPosition(high, frozenset(high_ids))
        return ReadPosition(self.updated_after, self.seen | high_ids)

    def dump(self) -> dict[str, Any]:
        checkpoint: dict[str, Any] = {
            "updated_after": _iso(self.updated_after),
            "seen": sorted(self.seen),
        }
        if self.next is not None:
            checkpoint.update(next=self.next, high=_iso(self.high), high_ids=sorted(self.high_ids))
        return checkpoint


def _page_parts(page: Any) -> tuple[list[Any], str | None]:
    """The results of a list page and the query of its next page; transient if it is not a list page."""
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise SignalenUnavailableError("Signalen answered with a page without a results list")
    links = page.get("_links")
    next_link = links.get("next") if isinstance(links, dict) else None
    href = next_link.get("href") if isinstance(next_link, dict) else None
    if href is None:
        return page["results"], None
    if not isinstance(href, str):
        raise SignalenUnavailableError("Signalen answered with a _links.next.href that is not a URL")
    query = urlsplit(href).query
    if not query:
        raise SignalenUnavailableError("Signalen's _links.next.href has no query (expected ?page=N)")
    return page["results"], query


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise PermanentError(f"Signalen refused the token ({status}); check the token in token_env")
    if status == 429 or status >= 500:
        raise SignalenUnavailableError(
            f"Signalen answered {status}", retry_after_s=_retry_after(response.headers.get("Retry-After"))
        )
    if 300 <= status < 400:
        raise PermanentError(f"Signalen redirected ({status}); set base_url to the address it redirects to")
    raise PermanentError(f"Signalen answered {status} to the signals list; check base_url")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("timestamp is not a string")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    return moment


def _ids(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("ids are not a list of strings")
    return frozenset(value)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
