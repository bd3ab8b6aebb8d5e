"""Property-based test of the app against its own OpenAPI document (schemathesis): every operation, fed
generated requests (valid and invalid) with real credentials, never answers 5xx and answers as documented:
a documented status code, the documented content type and headers, a body that matches the response schema.

Every operation of the OpenAPI is fuzzed (a test fails when one is added without a row in `OPERATIONS`); the
dashboard's pages and its live stream (SSE) are not in the document (`include_in_schema=False`). Requests
go in-process to the ASGI app with the token of a role that may use the operation: the taskforce for
escalations and silences, an administrator for connectors and the audit log, an organisation for
/api/v1/events, the connector's secret for the ZGW callback. Besides what schemathesis generates from the
document, each operation also gets requests aimed at things that exist (escalations, a silence, a connector,
a ZGW callback), so that success responses are checked too, and /api/v1/events gets bodies of every kind
(its OpenAPI describes none).

The deployment runs no broker, so the ingest and the ZGW callback answer 503 (and /healthz 503) by design.
The OpenAPI documents the error answers too (services/http/responses.py: every error body a `Problem`);
statuses an operation answers that its document does not list are named per operation in `OPERATIONS`
(with the reason): only those get past the status code check, and every error of /api/... must still be
the JSON error body of services/http/problems.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.model import State
from connectors.state_sql import SqlConnectorStateStore
from services.gateway.app import create_app
from services.gateway.bodies import BATCH, PLAIN, STRUCTURED
from services.http.nul_guard import MESSAGE as NUL_MESSAGE
from services.silences.model import SilenceDraft
from tests.support.dashboard import World, cheap_password_hash, running_world
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

Operation = APIOperation[Any, Any, Any, Any]
ApiCase = Case[Operation]

MAX_EXAMPLES = 25

TASKFORCE, ADMIN, ORGANISATION = "anna", "bea", "woonstad"  # users and organisation of running_world
CONNECTOR = "fuzz-nrc"
ZGW_CALLBACK = "fuzz-zgw"
ZGW_AUTH = "Bearer 0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ZGW_CONFIG = {
    "name": ZGW_CALLBACK,
    "kind": "zgw-notificaties",
    "org": "gemeente",
    "pseudonymisation": {"key_env": "WIJKBRUG_FUZZ_ZGW_KEY"},
    "auth_env": "WIJKBRUG_FUZZ_ZGW_AUTH",
    "mapping": [
        {
            "kanaal": "zaken",
            "zaaktype": "https://ztc.example/zaaktypen/1",
            "resource": "status",
            "actie": "create",
            "type": "municipality.permit.decided",
            "buurt": "BU0363AD05",
            "data": {"permit_id": {"id_of": "hoofdObject"}, "outcome": "granted"},
        }
    ],
}

# Why a status that the app answers is not in the OpenAPI (FastAPI documents only the success status and
# 422). Documentation gaps, reported; only these statuses of these operations skip the status code check.
NOT_FOUND = "404 for an id or name that does not exist is not documented"
CONFLICT = "409 for a stale version or a step the escalation's status does not allow is not documented"
SILENCE_ENDED = "409 for a silence that already ended is not documented"
BAD_JSON = "400 for a body that is not JSON (FastAPI's 'error parsing the body') is not documented"
MALFORMED = "400 for a body that is not the JSON its content type promises is not documented"
MEDIA_TYPE = "415 for a content type other than the CloudEvents or JSON ones is not documented"
NO_BROKER = "503 without a broker is not documented"
WRONG_SECRET = "401 for an Authorization that is not the connector's secret is not documented"
NOT_READY = "503 while the broker, processor or sink is not ready is not documented"


@dataclass(frozen=True)
class Target:
    """How one operation is called, and the statuses it answers that its OpenAPI does not list."""

    token: str | None  # whose API token (running_world's); None: public, or it has its own authentication
    undocumented: Mapping[int, str] = field(default_factory=dict)
    no_broker_503: bool = False  # its 503 because this deployment runs no broker is not a server error
    headers: Mapping[str, str] = field(default_factory=dict)  # also sent to the things that exist
    known: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # existing things, not the world's


ACTION = {400: BAD_JSON, 404: NOT_FOUND, 409: CONFLICT}

OPERATIONS: dict[tuple[str, str], Target] = {
    ("GET", "/healthz"): Target(None, {503: NOT_READY}, no_broker_503=True),
    ("POST", "/api/v1/events"): Target(
        ORGANISATION, {400: MALFORMED, 415: MEDIA_TYPE, 503: NO_BROKER}, no_broker_503=True
    ),
    ("GET", "/api/v1/escalations"): Target(TASKFORCE),
    ("GET", "/api/v1/escalations/{escalation_id}"): Target(TASKFORCE, {404: NOT_FOUND}),
    ("POST", "/api/v1/escalations/{escalation_id}/acknowledge"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/assign"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/decide"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/resolve"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/reopen"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/comments"): Target(TASKFORCE, ACTION),
    ("POST", "/api/v1/escalations/{escalation_id}/instructions/{org}/done"): Target(
        TASKFORCE, {404: NOT_FOUND, 409: CONFLICT}
    ),
    ("GET", "/api/v1/connectors"): Target(ADMIN),
    ("GET", "/api/v1/connectors/{name}"): Target(ADMIN, {404: NOT_FOUND}),
    ("PUT", "/api/v1/connectors/{name}/pause"): Target(ADMIN, {404: NOT_FOUND}),
    ("PUT", "/api/v1/connectors/{name}/resume"): Target(ADMIN, {404: NOT_FOUND}),
    ("POST", "/api/v1/connectors/{name}/restart"): Target(ADMIN, {404: NOT_FOUND}),
    ("DELETE", "/api/v1/connectors/{name}/offsets"): Target(ADMIN, {404: NOT_FOUND}),
    ("GET", "/api/v1/audit"): Target(ADMIN),
    ("GET", "/api/v1/audit.csv"): Target(ADMIN),
    ("GET", "/api/v1/silences"): Target(TASKFORCE),
    ("POST", "/api/v1/silences"): Target(TASKFORCE, {400: BAD_JSON}),
    ("POST", "/api/v1/silences/{silence_id}/expire"): Target(TASKFORCE, {404: NOT_FOUND, 409: SILENCE_ENDED}),
    ("POST", "/api/v1/zgw/notificaties/{name}"): Target(
        None,
        {401: WRONG_SECRET, 404: NOT_FOUND, 503: NO_BROKER},
        no_broker_503=True,
        headers={"authorization": ZGW_AUTH},
        known={"name": (ZGW_CALLBACK,)},
    ),
}


# -- the deployment ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fuzzed:
    """The deployment under test, its OpenAPI and the things that exist in it, by path parameter."""

    world: World
    app: FastAPI
    schema: schemathesis.BaseSchema
    known: Mapping[str, tuple[Any, ...]]


def without_lifespan(app: ASGIApp) -> ASGIApp:
    """`app` without its lifespan. schemathesis's ASGI client starts the lifespan of the app it calls and
    keeps it (decision relay, live poller) running until the interpreter exits; running_world's TestClient
    already runs the deployment's."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return serve


@pytest.fixture(scope="module")
def fuzzed(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    with running_world(data_dir, databases.new(), cheap_password_hash()) as world:
        runtime = world.runtime
        store = SqlConnectorStateStore(runtime.sessions)
        store.register(CONNECTOR, "file", ORGANISATION)
        store.set_state(CONNECTOR, State.RUNNING)
        taskforce = runtime.directory.user(TASKFORCE)
        assert taskforce is not None
        draft = SilenceDraft(
            rule="eviction-during-debt-assistance",
            subject="hh:fuzz000000000001",
            reason="fuzz",
            ends_at=datetime.now(UTC) + timedelta(days=7),
        )
        silence = asyncio.run(runtime.silences.create(taskforce, draft))
        connectors = data_dir / "connectors"
        connectors.mkdir()
        (connectors / f"{ZGW_CALLBACK}.yaml").write_text(yaml.safe_dump(ZGW_CONFIG))
        with_callback = runtime.settings.model_copy(update={"connectors_dir": connectors})
        with pytest.MonkeyPatch.context() as patch:  # read when the app loads its callbacks
            patch.setenv("WIJKBRUG_FUZZ_ZGW_KEY", "fuzz-pseudonym-key-0123456789abcdef")
            patch.setenv("WIJKBRUG_FUZZ_ZGW_AUTH", ZGW_AUTH)
            app = create_app(with_callback, runtime)
        schema = schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
        known = {
            "escalation_id": tuple(sorted(world.ids.values())),
            "org": (ORGANISATION, "sociaal"),
            "name": (CONNECTOR,),
            "silence_id": (silence.id,),
        }
        yield Fuzzed(world=world, app=app, schema=schema, known=known)


def _is_stream(operation: Operation) -> bool:
    definition: dict[str, Any] = operation.definition.raw
    responses: dict[str, Any] = definition.get("responses", {})
    return any("text/event-stream" in item.get("content", {}) for item in responses.values())


def test_every_operation_of_the_openapi_is_fuzzed(fuzzed: Fuzzed) -> None:
    operations: list[Operation] = []
    for result in fuzzed.schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    streams = {(op.method.upper(), op.path) for op in operations if _is_stream(op)}

    assert not streams & OPERATIONS.keys(), "live streams are not fuzzed"
    assert {(op.method.upper(), op.path) for op in operations} - streams == set(OPERATIONS)


# -- the checks -------------------------------------------------------------------------------------------


def _target(case: ApiCase) -> Target:
    return OPERATIONS[(case.operation.method.upper(), case.operation.path)]


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _no_broker(body: Any) -> bool:
    """The ingest's or the callback's `unavailable`, or /healthz's report with the broker down."""
    if not isinstance(body, dict):
        return False
    broker = body.get("components", {}).get("broker", {})
    return body.get("error") == "unavailable" or broker.get("state") == "down"


def no_server_error(ctx: CheckContext, response: Response, case: ApiCase) -> bool | None:
    """schemathesis's not_a_server_error, except the 503 that this broker-less deployment owes."""
    if response.status_code == 503 and _target(case).no_broker_503 and _no_broker(_json(response)):
        return None
    return not_a_server_error(ctx, response, case)


def documented_status(ctx: CheckContext, response: Response, case: ApiCase) -> bool | None:
    """schemathesis's status_code_conformance, except for the statuses listed in `OPERATIONS` and the 400
    of services.http.nul_guard for a URL with a NUL character (refused before any route)."""
    if response.status_code in _target(case).undocumented:
        return None
    if response.status_code == 400 and _json(response) == {"error": "bad_request", "message": NUL_MESSAGE}:
        return None
    return status_code_conformance(ctx, response, case)


def error_body(ctx: CheckContext, response: Response, case: ApiCase) -> bool | None:
    """An error of /api/... is JSON `{"error": code, "message": text, ...}` (services/http/problems.py),
    also with a status that the OpenAPI does not document (schemathesis checks no body for those)."""
    if response.status_code < 400 or not case.operation.path.startswith("/api/"):
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} as {content_type!r}"
    body = _json(response)
    assert isinstance(body, dict), f"{response.status_code} with {response.text[:200]!r}"
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    return None


CHECKS = [
    no_server_error,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    error_body,
]


# -- the requests -----------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _requests(
    operation: Operation, target: Target, known: Mapping[str, tuple[Any, ...]]
) -> st.SearchStrategy[ApiCase]:
    """What the OpenAPI allows and what it does not, and requests aimed at the things that exist."""
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    names = [parameter.name for parameter in operation.path_parameters]
    for chosen in itertools.product(*(target.known.get(name) or known[name] for name in names)):
        path_parameters = dict(zip(names, chosen, strict=True))
        strategies.append(operation.as_strategy(path_parameters=path_parameters))
        if target.headers:
            strategies.append(
                operation.as_strategy(path_parameters=path_parameters, headers=dict(target.headers))
            )
    if operation.path == "/api/v1/events":  # the OpenAPI has no requestBody for it
        bodies = JSON_VALUES | st.binary(max_size=64)
        media_types = st.sampled_from([STRUCTURED, BATCH, PLAIN, "text/plain"])
        strategies.append(
            st.builds(lambda body, media: operation.Case(body=body, media_type=media), bodies, media_types)
        )
    return st.one_of(strategies)


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS))
def test_the_operation_answers_as_its_openapi_says(fuzzed: Fuzzed, method: str, path: str) -> None:
    operation: Operation = fuzzed.schema[path][method]
    target = OPERATIONS[(method, path)]
    headers = {"Authorization": f"Bearer {fuzzed.world.tokens[target.token]}"} if target.token else {}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=_requests(operation, target, fuzzed.known))
    def answers_as_documented(case: ApiCase) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    answers_as_documented()


# -- the bugs that the fuzzer leaves out (see Unstorable) -------------------------------------------------

BEYOND_64_BITS = 2**63


def _request(fuzzed: Fuzzed, token: str, method: str, path: str, body: Any = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {fuzzed.world.tokens[token]}"}
    with TestClient(without_lifespan(fuzzed.app), raise_server_exceptions=False) as client:
        response = client.request(method, path, headers=headers, json=body)
    return response.status_code, response.text


@pytest.mark.parametrize(
    ("token", "method", "path"),
    [
        (TASKFORCE, "GET", f"/api/v1/escalations/{BEYOND_64_BITS}"),
        (TASKFORCE, "GET", f"/api/v1/escalations/{2**31}"),
        (TASKFORCE, "GET", f"/api/v1/escalations?offset={BEYOND_64_BITS}"),
        (TASKFORCE, "POST", f"/api/v1/silences/{2**31}/expire"),
        (ADMIN, "GET", f"/api/v1/audit?offset={BEYOND_64_BITS}"),
    ],
)
def test_an_integer_too_large_for_the_database_is_refused(
    fuzzed: Fuzzed, token: str, method: str, path: str
) -> None:
    status, text = _request(fuzzed, token, method, path)

    assert status == 422, text
    assert json.loads(text)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("token", "method", "path", "body", "expected"),
    [
        (TASKFORCE, "GET", "/api/v1/escalations?rule=a%00b", None, 400),
        (ADMIN, "GET", "/api/v1/audit?actor=a%00b", None, 400),
        (ADMIN, "GET", "/api/v1/connectors/a%00b", None, 400),
        (TASKFORCE, "POST", "/api/v1/escalations/{eviction}/comments", {"text": "a\x00b"}, 422),
        (
            TASKFORCE,
            "POST",
            "/api/v1/escalations/{eviction}/assign",
            {"version": 1, "assignee": "a\x00"},
            422,
        ),
    ],
)
def test_a_nul_character_is_refused(
    fuzzed: Fuzzed, token: str, method: str, path: str, body: Any, expected: int
) -> None:
    path = path.format(eviction=fuzzed.world.ids["eviction"])

    status, text = _request(fuzzed, token, method, path, body)

    assert status == expected, text
    assert "NUL" in text
