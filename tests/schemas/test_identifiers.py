import pytest

from schemas.errors import InvalidIdentifierError, SchemaError
from schemas.identifiers import (
    BUURTCODE_RE,
    ORG_SLUG_RE,
    ORGANISATION_DOMAINS,
    PUBLISHABLE_DOMAINS,
    SOURCE_PREFIX,
    SUBJECT_RE,
    Domain,
    SubjectKind,
    is_buurtcode,
    is_org_slug,
    is_subject,
    slug_from_source,
    source_for,
    subject_kind,
    subject_pattern,
)


@pytest.mark.parametrize(
    ("slug", "valid"),
    [
        ("woonstad", True),
        ("ggd-amsterdam", True),
        ("0800", True),
        ("ab", True),
        ("a" * 63, True),
        ("a", False),
        ("a" * 64, False),
        ("-woonstad", False),
        ("Woonstad", False),
        ("woon_stad", False),
        ("woon stad", False),
        ("woonstad\n", False),
        ("", False),
    ],
)
def test_org_slug(slug: str, valid: bool) -> None:
    assert is_org_slug(slug) is valid
    assert (ORG_SLUG_RE.fullmatch(slug) is not None) is valid


def test_source_for_and_back() -> None:
    source = source_for("woonstad")
    assert source == "urn:nl:wijkbrug:org:woonstad"
    assert source.startswith(SOURCE_PREFIX)
    assert slug_from_source(source) == "woonstad"


@pytest.mark.parametrize("slug", ["", "A", "x", "has space", "-lead"])
def test_source_for_rejects_bad_slug(slug: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        source_for(slug)


@pytest.mark.parametrize(
    "source",
    [
        "urn:nl:wijkbrug:org:",
        "urn:nl:wijkbrug:org:X",
        "urn:nl:wijkbrug:org:a",
        "urn:nl:wijkbrug:woonstad",
        "https://woonstad.nl",
        "URN:NL:WIJKBRUG:ORG:woonstad",
        "urn:nl:wijkbrug:org:woonstad/extra",
    ],
)
def test_slug_from_source_rejects(source: str) -> None:
    assert slug_from_source(source) is None


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("hh:7f3a9c2e", SubjectKind.HOUSEHOLD),
        ("loc:AbC_dEf-123", SubjectKind.LOCATION),
        ("ini:" + "x" * 128, SubjectKind.INITIATIVE),
        ("cx:12345678", SubjectKind.COMPLEX),
    ],
)
def test_subject_kind(subject: str, kind: SubjectKind) -> None:
    assert is_subject(subject)
    assert subject_kind(subject) is kind


@pytest.mark.parametrize(
    "subject",
    [
        "hh:1234567",
        "ini:" + "x" * 129,
        "bsn:12345678",
        "HH:12345678",
        "hh:1234 5678",
        "hh:12345678\n",
        "hh:1234567é",
        "12345678",
        "",
    ],
)
def test_invalid_subjects(subject: str) -> None:
    assert not is_subject(subject)
    assert SUBJECT_RE.fullmatch(subject) is None
    with pytest.raises(InvalidIdentifierError) as excinfo:
        subject_kind(subject)
    assert isinstance(excinfo.value, SchemaError)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("BU0363AE01", True),
        ("BU03630000", True),
        ("BU0518ZZ9Z", True),
        ("BU0363ae01", False),
        ("BU0363AE0", False),
        ("BU0363AE012", False),
        ("WK036300", False),
        ("GM0363", False),
        ("bu0363AE01", False),
        ("BU\u0660\u0663\u0666\u0663AE01", False),
        ("BU0363AE01\n", False),
    ],
)
def test_buurtcode(code: str, valid: bool) -> None:
    assert is_buurtcode(code) is valid
    assert (BUURTCODE_RE.fullmatch(code) is not None) is valid


def test_subject_pattern_restricts_kinds() -> None:
    import re

    pattern = re.compile(subject_pattern({SubjectKind.INITIATIVE, SubjectKind.LOCATION}))
    assert pattern.fullmatch("ini:12345678")
    assert pattern.fullmatch("loc:12345678")
    assert not pattern.fullmatch("hh:12345678")
    assert not pattern.fullmatch("cx:12345678")
    with pytest.raises(InvalidIdentifierError):
        subject_pattern([])


def test_publishable_domains() -> None:
    assert PUBLISHABLE_DOMAINS[Domain.MUNICIPALITY] == {Domain.MUNICIPALITY, Domain.RESIDENTS}
    for domain in (Domain.HOUSING, Domain.SOCIAL, Domain.SAFETY, Domain.RESIDENTS):
        assert PUBLISHABLE_DOMAINS[domain] == {domain}
    assert Domain.TASKFORCE not in PUBLISHABLE_DOMAINS
    assert Domain.TASKFORCE not in ORGANISATION_DOMAINS
    assert all(Domain.TASKFORCE not in allowed for allowed in PUBLISHABLE_DOMAINS.values())
    with pytest.raises(TypeError):
        PUBLISHABLE_DOMAINS[Domain.TASKFORCE] = frozenset({Domain.TASKFORCE})  # type: ignore[index]
