"""The demo scenario that `make demo` loads: partners, users and events for Amsterdam buurten."""
