"""The audit log as CSV, for the API's and the dashboard's export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from services.audit.model import AuditEntry

COLUMNS = ("id", "at", "actor", "role", "action", "target", "detail")


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    """One row per entry (newest first, as given); detail as compact JSON with sorted keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.id,
                entry.at.isoformat(),
                entry.actor,
                entry.role,
                entry.action,
                entry.target,
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            ]
        )
    return buffer.getvalue()
