"""How wijkbrug's Kafka clients authenticate and encrypt: `WIJKBRUG_KAFKA_SECURITY_*` variables.

Plaintext by default (the embedded broker, a laptop). Against a production cluster (Strimzi, MSK, ...) the
clients use TLS, optionally with SASL SCRAM or a client certificate (mutual TLS), so that the cluster's ACLs
can tell the gateway from the processor. Every Kafka client of every process reads the same variables:
`client_kwargs()` for kafka-python and aiokafka (they share the argument names), `librdkafka_config()` for
the publisher's confluent-kafka producer, `faust_credentials()` for faust.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
ENCRYPTED: frozenset[str] = frozenset({"SSL", "SASL_SSL"})


class KafkaSecurity(BaseSettings):
    """The security settings shared by every Kafka client of a process."""

    model_config = SettingsConfigDict(env_prefix="WIJKBRUG_KAFKA_", extra="ignore")

    security_protocol: Protocol = Field(default="PLAINTEXT", description="PLAINTEXT only for local brokers.")
    sasl_mechanism: Mechanism | None = Field(default=None, description="With SASL_*: e.g. SCRAM-SHA-512.")
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(default=None, description="CA bundle of the cluster (default: system).")
    ssl_certfile: Path | None = Field(default=None, description="Client certificate, for mutual TLS.")
    ssl_keyfile: Path | None = None

    @model_validator(mode="after")
    def _complete(self) -> KafkaSecurity:
        sasl_complete = self.sasl_mechanism is not None and self.sasl_username and self.sasl_password
        if self.security_protocol.startswith("SASL") and not sasl_complete:
            raise ValueError(
                f"WIJKBRUG_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs "
                "WIJKBRUG_KAFKA_SASL_MECHANISM, WIJKBRUG_KAFKA_SASL_USERNAME and "
                "WIJKBRUG_KAFKA_SASL_PASSWORD"
            )
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("WIJKBRUG_KAFKA_SSL_CERTFILE and WIJKBRUG_KAFKA_SSL_KEYFILE go together")
        return self

    @property
    def encrypted(self) -> bool:
        """Whether the connection to the brokers uses TLS."""
        return self.security_protocol in ENCRYPTED

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context for the cluster, or None for plaintext."""
        if not self.encrypted:
            return None
        context = ssl.create_default_context(
            cafile=str(self.ssl_cafile) if self.ssl_cafile is not None else None
        )
        if self.ssl_certfile is not None and self.ssl_keyfile is not None:
            context.load_cert_chain(str(self.ssl_certfile), str(self.ssl_keyfile))
        return context

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a kafka-python or aiokafka client."""
        kwargs: dict[str, Any] = {"security_protocol": self.security_protocol}
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        if self.security_protocol.startswith("SASL"):
            assert self.sasl_password is not None  # noqa: S101 - guaranteed by _complete
            kwargs |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        return kwargs

    def librdkafka_config(self) -> dict[str, Any]:
        """Configuration properties for a librdkafka (confluent-kafka) client."""
        config: dict[str, Any] = {"security.protocol": self.security_protocol}
        if self.encrypted:
            # librdkafka has its own OpenSSL; "probe" finds the system's CA bundle when none is named.
            config["ssl.ca.location"] = str(self.ssl_cafile) if self.ssl_cafile is not None else "probe"
            config["ssl.endpoint.identification.algorithm"] = "https"
            if self.ssl_certfile is not None and self.ssl_keyfile is not None:
                config["ssl.certificate.location"] = str(self.ssl_certfile)
                config["ssl.key.location"] = str(self.ssl_keyfile)
        if self.security_protocol.startswith("SASL"):
            assert self.sasl_password is not None  # noqa: S101 - guaranteed by _complete
            config |= {
                "sasl.mechanism": self.sasl_mechanism,
                "sasl.username": self.sasl_username,
                "sasl.password": self.sasl_password.get_secret_value(),
            }
        return config

    def faust_credentials(self) -> CredentialsT | None:
        """faust's `broker_credentials`, or None for plaintext."""
        from faust.auth import SASLCredentials, SSLCredentials  # faust is heavy; only processors need it

        if self.security_protocol.startswith("SASL"):
            assert self.sasl_password is not None  # noqa: S101 - guaranteed by _complete
            return SASLCredentials(
                username=self.sasl_username,
                password=self.sasl_password.get_secret_value(),
                mechanism=self.sasl_mechanism,
                ssl_context=self.ssl_context(),
            )
        context = self.ssl_context()
        return SSLCredentials(context) if context is not None else None
