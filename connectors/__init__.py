"""wijkbrug connectors."""
