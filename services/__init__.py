"""wijkbrug services."""
