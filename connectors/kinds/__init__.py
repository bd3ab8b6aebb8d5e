"""The built-in connector kinds (see connectors.registry)."""
