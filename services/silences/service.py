"""Silences as use cases: who may see, create and end them, and what a valid silence is.

A silence mutes one rule (an id of the loaded rule pack) for one subject pseudonym or one buurt of the
registry, until a moment in the future (at most `max_duration` ahead), with a reason. It ends by itself:
whether it mutes is decided when escalations are read (`ends_at > now`, not expired), no timer runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType

from schemas.errors import InvalidIdentifierError
from schemas.identifiers import is_buurtcode, subject_kind
from services.access.policy import may_manage_silences
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import User
from services.geo.registry import BuurtRegistry
from services.rules.model import RuleSpec
from services.silences.errors import InvalidSilenceError, SilenceForbiddenError
from services.silences.model import Silence, SilenceDraft
from services.silences.store import SilenceStore

REASON_MIN = 3
REASON_MAX = 500
MAX_DURATION = timedelta(days=365)


class SilenceService:
    """Creates, ends and lists silences for the users whose role allows it."""

    def __init__(
        self,
        *,
        store: SilenceStore,
        rules: Sequence[RuleSpec],
        registry: BuurtRegistry,
        max_duration: timedelta = MAX_DURATION,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._rules: Mapping[str, RuleSpec] = MappingProxyType({rule.id: rule for rule in rules})
        self._registry = registry
        self._max_duration = max_duration
        self._clock = clock

    @property
    def rules(self) -> Mapping[str, RuleSpec]:
        """The rules that may be silenced, by id."""
        return self._rules

    def now(self) -> datetime:
        """The service's current time (the moment against which silences are active or ended)."""
        return self._clock()

    async def create(self, user: User, draft: SilenceDraft) -> Silence:
        """Validate and store a new silence by `user`; raises SilenceForbiddenError or InvalidSilenceError."""
        _check_role(user)
        now = self._clock()
        valid = self.validate(draft, now)
        return await in_thread(self._store.add, valid, user.name, user.role.value, now)

    async def expire(self, user: User, silence_id: int) -> Silence:
        """End an active silence now; SilenceNotFoundError or SilenceEndedError otherwise."""
        _check_role(user)
        return await in_thread(self._store.expire, silence_id, user.name, user.role.value, self._clock())

    async def listing(self, user: User, *, active: bool | None = None, limit: int = 200) -> Sequence[Silence]:
        """Silences newest first: all, only active, or only ended ones."""
        _check_role(user)
        return await in_thread(self._store.listing, self._clock(), active=active, limit=limit)

    def validate(self, draft: SilenceDraft, now: datetime) -> SilenceDraft:
        """The draft with its text trimmed, or InvalidSilenceError naming the first problem."""
        rule = self._rules.get(draft.rule.strip())
        if rule is None:
            known = ", ".join(sorted(self._rules))
            raise _invalid("rule", "unknown", f"unknown rule {draft.rule!r}; silence one of: {known}")
        subject = (draft.subject or "").strip() or None
        buurt = (draft.buurt or "").strip().upper() or None
        if (subject is None) == (buurt is None):
            raise _invalid("target", "one_of", "name exactly one of subject or buurt")
        if subject is not None:
            _check_subject(subject, rule)
        if buurt is not None and (not is_buurtcode(buurt) or self._registry.get(buurt) is None):
            raise _invalid(
                "buurt", "unknown", f"unknown buurtcode {buurt!r}; name a buurt of this municipality"
            )
        reason = draft.reason.strip()
        if not REASON_MIN <= len(reason) <= REASON_MAX:
            raise _invalid(
                "reason", "length", f"the reason must be {REASON_MIN} to {REASON_MAX} characters long"
            )
        if draft.ends_at.tzinfo is None:
            raise _invalid("ends_at", "naive", "the end must carry a time zone")
        if draft.ends_at <= now:
            raise _invalid("ends_at", "past", "the end must lie in the future")
        if draft.ends_at > now + self._max_duration:
            days = self._max_duration.days
            raise _invalid("ends_at", "too_far", f"a silence lasts at most {days} days")
        return replace(draft, rule=rule.id, subject=subject, buurt=buurt, reason=reason)


def _check_role(user: User) -> None:
    if not may_manage_silences(user):
        raise SilenceForbiddenError(f"the role {user.role.value} may not see or change silences")


def _check_subject(subject: str, rule: RuleSpec) -> None:
    try:
        kind = subject_kind(subject)
    except InvalidIdentifierError as exc:
        raise _invalid("subject", "invalid", f"{subject!r} is {exc}") from exc
    if kind not in rule.subjects:
        kinds = ", ".join(f"{item.value}:" for item in rule.subjects)
        raise _invalid("subject", "kind", f"rule {rule.id} concerns only subjects {kinds}; not {subject!r}")


def _invalid(field: str, problem: str, message: str) -> InvalidSilenceError:
    """The error, with the field and a stable problem code (the dashboard words it in Dutch)."""
    return InvalidSilenceError(message, details=[{"field": field, "problem": problem}])
