"""The HTTP gateway: ingest of partner events, health, and the home of the API and dashboard."""
