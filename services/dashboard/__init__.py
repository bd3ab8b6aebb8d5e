"""The taskforce dashboard: server-rendered Dutch pages on the gateway's port."""
