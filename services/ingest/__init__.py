"""Admission of events into the hub: the checks that the gateway and the processor share."""
