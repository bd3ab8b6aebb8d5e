"""The silences page (/stiltes): active and recently ended silences, a form to add one, "beëindig nu".

Only the taskforce and admins see it. A form may be prefilled from the query string
(`/stiltes?rule=..&subject=..` or `&buurt=..`), so an escalation's page can link "Dempen".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.access.policy import may_manage_silences
from services.dashboard.labels import AMSTERDAM, MONTHS_NL, datum
from services.dashboard.sessions import check_csrf
from services.dashboard.web import render, web_user
from services.directory.model import User
from services.gateway.deps import get_runtime
from services.http.params import FormText, NulFree, RecordId
from services.silences.errors import (
    InvalidSilenceError,
    SilenceEndedError,
    SilenceForbiddenError,
    SilenceNotFoundError,
)
from services.silences.model import Silence, SilenceDraft
from services.silences.service import MAX_DURATION, REASON_MAX, SilenceService

router = APIRouter(include_in_schema=False)

#: How long an ended silence stays listed under "onlangs beëindigd".
RECENT = timedelta(days=30)
RECENT_LIMIT = 50

#: Confirmations after a redirect, by key (the query string never carries text that the page shows).
CONFIRMATIONS = {
    "aangemaakt": "De stilte is aangemaakt.",
    "beeindigd": "De stilte is beëindigd; de escalaties staan weer in de wachtrij.",
}

#: The service's problems (field, code) in Dutch.
PROBLEMS_NL = {
    ("rule", "unknown"): "Kies een regel uit de lijst.",
    ("target", "one_of"): "Vul een pseudoniem óf een buurtcode in: precies één van beide.",
    ("subject", "invalid"): (
        "Dit pseudoniem is niet geldig. Een pseudoniem begint met hh:, loc:, ini: of cx:, "
        "gevolgd door 8 tot 128 letters, cijfers, _ of -."
    ),
    ("subject", "kind"): (
        "Deze regel gaat niet over dit soort onderwerp. Kies een onderwerp waar de regel over gaat, "
        "of demp de regel voor een buurt."
    ),
    ("buurt", "unknown"): "Deze buurtcode kennen we niet in deze gemeente. Kies een buurt uit de lijst.",
    ("reason", "length"): f"Geef een reden van 3 tot {REASON_MAX} tekens.",
    ("ends_at", "past"): "De einddatum moet vandaag of later zijn.",
    ("ends_at", "too_far"): "Een stilte duurt hooguit een jaar. Kies een eerdere einddatum.",
    ("ends_at", "format"): "Vul een geldige datum in.",
}
FALLBACK_NL = "De stilte kon niet worden aangemaakt. Controleer de invoer."
FORBIDDEN_NL = "Alleen de taskforce en beheerders kunnen stiltes zien en beheren."
ENDED_NL = "Deze stilte was al afgelopen of beëindigd."
NOT_FOUND_NL = "Deze stilte bestaat niet."


@dataclass(frozen=True)
class FormValues:
    """What the form shows: prefilled, or as the user sent it."""

    rule: str = ""
    subject: str = ""
    buurt: str = ""
    ends_on: str = ""
    reason: str = ""


@router.get("/stiltes")
async def silences_page(request: Request) -> HTMLResponse:
    user = await _manager(request)
    params = request.query_params
    values = FormValues(
        rule=params.get("rule", "")[:100],
        subject=params.get("subject", "")[:140],
        buurt=params.get("buurt", "")[:10],
    )
    confirmation = CONFIRMATIONS.get(params.get("melding", ""))
    return await _page(request, user, values, confirmation=confirmation)


@router.post("/stiltes")
async def create_silence(
    request: Request,
    csrf_token: FormText = "",
    rule: Annotated[NulFree, Form(max_length=100)] = "",
    subject: Annotated[NulFree, Form(max_length=140)] = "",
    buurt: Annotated[NulFree, Form(max_length=10)] = "",
    ends_on: Annotated[NulFree, Form(max_length=100)] = "",
    reason: Annotated[NulFree, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    user = await _manager(request)
    values = FormValues(rule=rule, subject=subject, buurt=buurt, ends_on=ends_on, reason=reason)
    service = get_runtime(request).silences
    try:
        ends_at = end_of_day(ends_on)
    except ValueError:
        return await _page(request, user, values, problem=("ends_at", "format"), status_code=422)
    draft = SilenceDraft(rule=rule, subject=subject, buurt=buurt, reason=reason, ends_at=ends_at)
    try:
        await service.create(user, draft)
    except InvalidSilenceError as error:
        return await _page(request, user, values, problem=_problem(error), status_code=422)
    return RedirectResponse("/stiltes?melding=aangemaakt", status_code=303)


@router.post("/stiltes/{silence_id}/beeindigen")
async def expire_silence(request: Request, silence_id: RecordId, csrf_token: FormText = "") -> Response:
    check_csrf(request, csrf_token)
    user = await _manager(request)
    try:
        await get_runtime(request).silences.expire(user, silence_id)
    except SilenceNotFoundError as error:
        raise SilenceNotFoundError(NOT_FOUND_NL) from error
    except SilenceEndedError:
        return await _page(request, user, FormValues(), error=ENDED_NL, status_code=409)
    return RedirectResponse("/stiltes?melding=beeindigd", status_code=303)


def until_nl(moment: datetime) -> str:
    """Until when a silence mutes, as the form put it: 't/m 3 dec 2026' for the end of a day."""
    local = moment.astimezone(AMSTERDAM)
    if local.time() == time(0):
        last = local.date() - timedelta(days=1)
        return f"t/m {last.day} {MONTHS_NL[last.month - 1]} {last.year}"
    return f"tot {datum(moment)}"


def end_of_day(value: str) -> datetime:
    """The end of the given day (YYYY-MM-DD) in Amsterdam: a silence "tot en met" that day."""
    day = date.fromisoformat(value.strip())
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM)


async def _manager(request: Request) -> User:
    user = await web_user(request)
    if not may_manage_silences(user):
        raise SilenceForbiddenError(FORBIDDEN_NL)
    return user


def _problem(error: InvalidSilenceError) -> tuple[str, str] | None:
    for item in error.details or []:
        return str(item.get("field", "")), str(item.get("problem", ""))
    return None


async def _page(
    request: Request,
    user: User,
    values: FormValues,
    *,
    confirmation: str | None = None,
    problem: tuple[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    runtime = get_runtime(request)
    service = runtime.silences
    now = service.now()
    active = await service.listing(user, active=True)
    ended = [
        silence
        for silence in await service.listing(user, active=False, limit=RECENT_LIMIT)
        if (silence.ended_at(now) or now) >= now - RECENT
    ]
    today = now.astimezone(AMSTERDAM).date()
    registry = runtime.registry

    def buurt_name(code: str) -> str:
        buurt = registry.get(code)
        return buurt.name if buurt else code

    context: dict[str, Any] = {
        "user": user,
        "active": "stiltes",
        "silences": active,
        "ended": ended,
        "now": now,
        "rules": _rule_options(service),
        "rule_title": lambda rule_id: _rule_title(service, rule_id),
        "buurt_name": buurt_name,
        "buurten": sorted(registry, key=lambda buurt: buurt.name),
        "form": values,
        "problem_field": problem[0] if problem else None,
        "form_error": PROBLEMS_NL.get(problem, FALLBACK_NL) if problem else None,
        "error": error,
        "until": until_nl,
        "confirmation": confirmation,
        "min_date": today.isoformat(),
        "max_date": (today + MAX_DURATION - timedelta(days=1)).isoformat(),
        "reason_max": REASON_MAX,
        "ended_by": _ended_by,
    }
    return render(request, "silences.html", context, status_code=status_code)


def _rule_options(service: SilenceService) -> list[tuple[str, str]]:
    return sorted(((rule.id, rule.title) for rule in service.rules.values()), key=lambda item: item[1])


def _rule_title(service: SilenceService, rule_id: str) -> str:
    rule = service.rules.get(rule_id)
    return rule.title if rule is not None else rule_id


def _ended_by(silence: Silence) -> str:
    return f"beëindigd door {silence.expired_by}" if silence.expired_by else "verlopen"
