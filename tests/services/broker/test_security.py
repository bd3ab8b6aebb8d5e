"""Kafka client security from WIJKBRUG_KAFKA_* variables: plaintext, TLS, SASL over TLS."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
from confluent_kafka import Producer
from faust.auth import SASLCredentials, SSLCredentials
from pydantic import ValidationError

from services.broker.security import KafkaSecurity
from services.process.children import free_port


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WIJKBRUG_KAFKA_"):
            monkeypatch.delenv(name)


def test_plaintext_by_default_for_the_embedded_broker() -> None:
    security = KafkaSecurity()
    assert security.client_kwargs() == {"security_protocol": "PLAINTEXT"}
    assert security.librdkafka_config() == {"security.protocol": "PLAINTEXT"}
    assert security.faust_credentials() is None
    assert not security.encrypted


def test_sasl_over_tls_gives_every_client_the_same_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_USERNAME", "wijkbrug-gateway")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_PASSWORD", "s3cr3t-from-the-kafkauser")
    security = KafkaSecurity()
    kwargs = security.client_kwargs()
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert (kwargs["sasl_mechanism"], kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == (
        "SCRAM-SHA-512",
        "wijkbrug-gateway",
        "s3cr3t-from-the-kafkauser",
    )
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    credentials = security.faust_credentials()
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL" and credentials.username == "wijkbrug-gateway"
    assert "s3cr3t" not in repr(security)
    config = security.librdkafka_config()
    assert config == {
        "security.protocol": "SASL_SSL",
        "ssl.ca.location": "probe",
        "ssl.endpoint.identification.algorithm": "https",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "wijkbrug-gateway",
        "sasl.password": "s3cr3t-from-the-kafkauser",
    }
    # librdkafka itself accepts the properties (it refuses unknown ones and unsupported mechanisms).
    Producer({"bootstrap.servers": f"127.0.0.1:{free_port()}", **config}).flush(0)


def test_mutual_tls_names_the_client_certificate_for_librdkafka(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SSL_CAFILE", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("WIJKBRUG_KAFKA_SSL_CERTFILE", str(tmp_path / "client.pem"))
    monkeypatch.setenv("WIJKBRUG_KAFKA_SSL_KEYFILE", str(tmp_path / "client.key"))
    config = KafkaSecurity().librdkafka_config()
    assert config == {
        "security.protocol": "SSL",
        "ssl.ca.location": str(tmp_path / "ca.pem"),
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.certificate.location": str(tmp_path / "client.pem"),
        "ssl.key.location": str(tmp_path / "client.key"),
    }


def test_tls_without_sasl_is_faust_ssl_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SSL")
    credentials = KafkaSecurity().faust_credentials()
    assert isinstance(credentials, SSLCredentials)
    assert credentials.context.verify_mode is ssl.CERT_REQUIRED


def test_sasl_without_credentials_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_USERNAME", "wijkbrug-gateway")
    with pytest.raises(ValidationError, match="WIJKBRUG_KAFKA_SASL_MECHANISM"):
        KafkaSecurity()


def test_a_client_certificate_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SSL_CERTFILE", "/etc/wijkbrug/kafka/user.crt")
    with pytest.raises(ValidationError, match="go together"):
        KafkaSecurity()
