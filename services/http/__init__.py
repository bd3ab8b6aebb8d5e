"""HTTP plumbing shared by the gateway, the API and the dashboard."""
