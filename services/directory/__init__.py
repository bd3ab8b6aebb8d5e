"""Who may do what: organisations, users, roles and their API tokens."""
