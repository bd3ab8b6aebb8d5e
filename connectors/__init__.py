"""Connectors: bring partner systems' records into the hub and the taskforce's decisions back out."""
