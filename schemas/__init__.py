"""wijkbrug schemas: the v1 event contract (CloudEvents envelope, catalogue, typed payloads), the privacy
guard that keeps BSNs out of the hub, and the records on the escalation and dead-letter topics.

Import from the submodules explicitly, e.g. ``from schemas.validation import validate_event``.
"""
