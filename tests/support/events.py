"""Building CloudEvents for tests."""

from __future__ import annotations

import uuid
from typing import Any

from schemas.identifiers import source_for

DAM = {"lat": 52.3731, "lon": 4.8926}
"""A point on the Dam, in buurt BU0363AD05 (Nieuwe Kerk e.o.)."""
DAM_BUURT = "BU0363AD05"


def new_subject(kind: str = "hh") -> str:
    return f"{kind}:{uuid.uuid4().hex[:16]}"


def cloudevent(
    org: str,
    type_suffix: str,
    subject: str,
    *,
    time: str = "2026-10-01T09:00:00Z",
    event_id: str | None = None,
    buurt: str | None = DAM_BUURT,
    data: dict[str, Any] | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    """A CloudEvent of `org` with catalogue type `nl.wijkbrug.<type_suffix>`."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id or f"evt-{uuid.uuid4().hex[:12]}",
        "source": source_for(org),
        "type": f"nl.wijkbrug.{type_suffix}",
        "time": time,
        "subject": subject,
        "data": data if data is not None else {},
        **attributes,
    }
    if buurt is not None:
        event["buurt"] = buurt
    return event
