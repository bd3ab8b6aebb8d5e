"""Escalations: the clashes that the rule engine found, as the taskforce sees them."""
