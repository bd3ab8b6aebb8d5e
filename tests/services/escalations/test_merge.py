"""merge(): a message is the whole truth about its dedup key, but for evidence before complete_since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from schemas.escalation import EscalationMessage, Evidence
from services.escalations.merge import Clash, ClashMirror, merge
from tests.support.escalations import CENTRUM, NOORD, day, evidence, message

KEY = "eviction-during-debt-assistance:hh:household0001"
E1 = evidence("e1", "woco", day(0))
E2 = evidence("e2", "gemeente", day(10))
E3 = evidence("e3", "politie", day(20))
E2_AT_HORIZON = evidence("e2", "gemeente", day(15))


def history(*messages: EscalationMessage) -> Clash | None:
    """The clash after `messages`, as the mirror keeps it."""
    mirror = ClashMirror()
    for item in messages:
        mirror.apply(item)
    return mirror.clashes.get(KEY)


def ids(keys: Sequence[tuple[str, str]]) -> list[str]:
    return sorted(event_id for _, event_id in keys)


# name, messages before, the message, then: evidence ids, opened_at, withdrawn, added, retracted, changed
CASES: list[
    tuple[
        str, list[EscalationMessage], EscalationMessage, list[str], datetime, bool, list[str], list[str], bool
    ]
] = [
    (
        "open",
        [],
        message(KEY, [E1, E2], opened_at=day(10)),
        ["e1", "e2"],
        day(10),
        False,
        ["e1", "e2"],
        [],
        True,
    ),
    (
        "the same message again",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E1, E2], opened_at=day(10)),
        ["e1", "e2"],
        day(10),
        False,
        [],
        [],
        False,
    ),
    (
        "new evidence",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E1, E2, E3], opened_at=day(10)),
        ["e1", "e2", "e3"],
        day(10),
        False,
        ["e3"],
        [],
        True,
    ),
    (
        "evidence the message no longer names is retracted",
        [message(KEY, [E1, E2, E3], opened_at=day(10))],
        message(KEY, [E2, E3], opened_at=day(20)),
        ["e2", "e3"],
        day(20),
        False,
        [],
        ["e1"],
        True,
    ),
    (
        "the opening is the message's, also a later one",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E1, E2], opened_at=day(12)),
        ["e1", "e2"],
        day(12),
        False,
        [],
        [],
        True,
    ),
    (
        "complete_since keeps older evidence the message does not name",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E3], opened_at=day(20), complete_since=day(15)),
        ["e1", "e2", "e3"],
        day(10),
        False,
        ["e3"],
        [],
        True,
    ),
    (
        "evidence at complete_since is the message's to retract",
        [message(KEY, [E1, E2_AT_HORIZON], opened_at=day(15))],
        message(KEY, [E1, E3], opened_at=day(20), complete_since=day(15)),
        ["e1", "e3"],
        day(20),
        False,
        ["e3"],
        ["e2"],
        True,
    ),
    (
        "complete_since keeps an older opening",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E2, E3], opened_at=day(20), complete_since=day(15)),
        ["e1", "e2", "e3"],
        day(10),
        False,
        ["e3"],
        [],
        True,
    ),
    (
        "complete_since takes the earlier of two old openings",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [E1, E2], opened_at=day(5), complete_since=day(15)),
        ["e1", "e2"],
        day(5),
        False,
        [],
        [],
        True,
    ),
    (
        "an opening at or after complete_since is the message's",
        [message(KEY, [E3], opened_at=day(20))],
        message(KEY, [E3], opened_at=day(25), complete_since=day(15)),
        ["e3"],
        day(25),
        False,
        [],
        [],
        True,
    ),
    (
        "a withdrawal retracts everything and keeps the opening",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [], opened_at=day(30)),
        [],
        day(10),
        True,
        [],
        ["e1", "e2"],
        True,
    ),
    (
        "a withdrawal with complete_since keeps the evidence the engine no longer sees",
        [message(KEY, [E1, E2], opened_at=day(10))],
        message(KEY, [], opened_at=day(30), complete_since=day(15)),
        ["e1", "e2"],
        day(10),
        False,
        [],
        [],
        False,
    ),
    (
        "a withdrawal with complete_since retracts what the engine still sees",
        [message(KEY, [E1, E3], opened_at=day(20))],
        message(KEY, [], opened_at=day(30), complete_since=day(15)),
        ["e1"],
        day(20),
        False,
        [],
        ["e3"],
        True,
    ),
    (
        "new evidence un-withdraws",
        [message(KEY, [E1, E2], opened_at=day(10)), message(KEY, [])],
        message(KEY, [E3], opened_at=day(20)),
        ["e3"],
        day(20),
        False,
        ["e3"],
        [],
        True,
    ),
    (
        "a withdrawal of something never seen",
        [],
        message(KEY, []),
        [],
        message(KEY, []).opened_at,
        True,
        [],
        [],
        True,
    ),
]


@pytest.mark.parametrize(
    ("before", "incoming", "evidence_ids", "opened_at", "withdrawn", "added", "retracted", "changed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_merge(
    before: list[EscalationMessage],
    incoming: EscalationMessage,
    evidence_ids: list[str],
    opened_at: datetime,
    withdrawn: bool,
    added: list[str],
    retracted: list[str],
    changed: bool,
) -> None:
    existing = history(*before)

    change = merge(existing, incoming)

    clash = change.clash
    assert [item.id for item in clash.sorted_evidence()] == evidence_ids
    assert (clash.opened_at, clash.withdrawn) == (opened_at, withdrawn)
    assert (ids(change.added), ids(change.retracted), change.changed) == (added, retracted, changed)
    assert change.opened == (existing is None)
    assert change.withdrawn_changed == (existing is not None and existing.withdrawn != withdrawn)
    assert change.opened_at_changed == (existing is not None and existing.opened_at != opened_at)


def test_merge_does_not_change_the_existing_clash() -> None:
    existing = history(message(KEY, [E1, E2], opened_at=day(10)))
    assert existing is not None

    merge(existing, message(KEY, [E3]))

    assert sorted(existing.evidence) == [("gemeente", "e2"), ("woco", "e1")]


def test_a_withdrawal_keeps_the_buurt_and_new_evidence_moves_it() -> None:
    existing = history(message(KEY, [E1], buurt=CENTRUM))

    withdrawn = merge(existing, message(KEY, [], buurt=NOORD)).clash
    moved = merge(existing, message(KEY, [E2], buurt=NOORD)).clash

    assert (withdrawn.buurt, moved.buurt) == (CENTRUM, NOORD)


def test_the_organisations_are_those_of_the_current_evidence() -> None:
    clash = merge(None, message(KEY, [E1, E2, evidence("e4", "woco", day(11))])).clash

    assert clash.organisations == ["gemeente", "woco"]
    assert [item.id for item in clash.sorted_evidence()] == ["e1", "e2", "e4"]


def test_the_mirror_keeps_what_stands() -> None:
    mirror = ClashMirror()
    other = "benefit-stop-after-arrears:hh:household0001"

    mirror.apply(message(KEY, [E1, E2]))
    mirror.apply(message(other, [E3], rule="benefit-stop-after-arrears", severity="medium"))
    never_seen = mirror.apply(
        message("initiative-no-decision:ini:x1234567:P1", [], rule="initiative-no-decision")
    )

    assert [clash.dedup_key for clash in mirror.active()] == [other, KEY]
    assert never_seen.opened and never_seen.clash.withdrawn
    assert set(mirror.clashes) == {KEY, other}, "a withdrawal of something never seen is not kept"

    mirror.apply(message(KEY, []))

    assert [clash.dedup_key for clash in mirror.active()] == [other]
    assert mirror.clashes[KEY].withdrawn

    mirror.apply(message(KEY, [E2]))

    assert [clash.dedup_key for clash in mirror.active()] == [other, KEY]


def test_evidence_is_kept_by_organisation_and_id() -> None:
    same_id_other_org: Evidence = evidence("e1", "politie", day(3))

    clash = merge(None, message(KEY, [E1, same_id_other_org])).clash

    assert sorted(clash.evidence) == [("politie", "e1"), ("woco", "e1")]
