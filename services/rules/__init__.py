"""The rule engine: rules as data (YAML), evaluated per subject, the same code live and in replay."""
