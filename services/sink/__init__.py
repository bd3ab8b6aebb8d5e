"""The escalation service: `buurt.escalations` into the database, idempotent by dedup key."""
