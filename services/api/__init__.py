"""The JSON API for users (taskforce, liaisons, residents, admins), with user API tokens."""
