"""The ingest journal: idempotency on (source, id) and the record from which a broker can be refilled."""
