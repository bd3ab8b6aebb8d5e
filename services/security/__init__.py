"""Credentials: API tokens (random, stored hashed) and web passwords (argon2)."""
