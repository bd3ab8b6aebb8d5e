"""Silences: a rule muted for one subject or one buurt until a date, with a reason; visible and audited."""
