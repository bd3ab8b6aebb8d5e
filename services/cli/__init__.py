"""The `wijkbrug` command line."""
