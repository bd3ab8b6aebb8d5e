"""wijkbrug schemas."""
