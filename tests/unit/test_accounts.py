"""The account itself: its owner, edits, archiving; and what a search matches."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kaflow.aggregates.errors import ArchivedError, InvalidChangeError, LifecycleError
from kaflow.aggregates.prospect import Prospect
from kaflow.application.service import replay
from kaflow.projections.names import search_key
from tests.builders import T0

META: dict[str, Any] = {"actor": "mia", "actor_role": "manager", "occurred_at": T0}


def prospect() -> Prospect:
    return Prospect(
        name="Acme",
        category="potential",
        nature="distributor",
        product_line="",
        service="",
        actor="sam",
        actor_role="sales",
        occurred_at=T0,
    )


def test_whoever_identifies_owns_until_assigned() -> None:
    account = prospect()
    assert account.owner == "sam"
    account.assign("olga", "sam", "key account", **META)
    assert account.owner == "olga"
    with pytest.raises(InvalidChangeError):
        account.assign("olga", "olga", "again", **META)


def test_an_account_snapshotted_before_owners_has_none_of_its_own() -> None:
    account = prospect()
    del account.__dict__["owner"]  # as an older snapshot loads
    assert account.owner is None


def test_an_edit_records_only_what_changes_and_replays() -> None:
    account = prospect()
    with pytest.raises(InvalidChangeError):
        account.edit({"name": "Acme"}, "same", **META)
    account.edit({"name": "Acme Ltd", "nature": "distributor"}, "typo", **META)
    (edited,) = [e for e in account.collect_events() if type(e).__name__ == "AccountEdited"]
    assert edited.changes == {"name": {"old": "Acme", "new": "Acme Ltd"}}  # type: ignore[attr-defined]
    assert account.name == "Acme Ltd"


def test_an_archived_account_refuses_every_step_and_replays_the_same() -> None:
    account = prospect()
    original = copy.deepcopy(account)
    account.archive("test account", None, **META)
    with pytest.raises(ArchivedError) as refused:
        account.require("analyse", T0)
    assert refused.value.rule == "archived"
    assert isinstance(refused.value, LifecycleError) is False
    with pytest.raises(ArchivedError):
        account.edit({"name": "B"}, "r", **META)
    with pytest.raises(InvalidChangeError):
        original.archive("self", str(original.id), **META)
    replayed = replay(None, account.collect_events())
    assert replayed.archived == account.archived


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("华东建材有限公司", "华东"),
        ("Huadong Supplies", "hua dong"),
        ("Huadong Supplies", "HUADONG"),
        ("Huadong Supplies", "Ｈｕａｄｏｎｇ"),
        ("Acme (Shanghai) Co., Ltd.", "acme-shanghai"),
        ("Straße AG", "STRASSE"),
    ],
)
def test_a_search_matches_whatever_the_case_width_or_punctuation(name: str, query: str) -> None:
    assert search_key(query) in search_key(name)
