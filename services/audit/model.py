"""Value objects of the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    """One view or change, by one user."""

    at: datetime
    actor: str
    role: str
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
