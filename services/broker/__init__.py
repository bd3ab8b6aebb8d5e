"""The Kafka backbone: topic names, the embedded broker, admin, producing and consuming."""
