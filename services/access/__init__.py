"""Access policy: what each role may see and do (one place, used by the API and the dashboard)."""
