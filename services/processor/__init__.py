"""The stream processor: routes inbound events to the buurt topics and runs the rule engine (faust)."""
