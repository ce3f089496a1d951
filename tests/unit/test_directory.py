from __future__ import annotations

from datetime import timedelta

import pytest

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.errors import AccessError, DomainError, UnknownUserError
from tests.builders import T0


def directory() -> UserDirectory:
    d = UserDirectory(owner="olga", effective_from=T0)
    d.add_user("sam", "sales", T0 + timedelta(days=1), by="olga", now=T0 + timedelta(days=1))
    return d


def test_the_role_held_on_any_date_is_known() -> None:
    d = directory()
    d.change_role("sam", "manager", T0 + timedelta(days=10), by="olga", now=T0 + timedelta(days=2))
    assert d.role_of("sam", T0) is None
    assert d.role_of("sam", T0 + timedelta(days=5)) == "sales"
    assert d.role_of("sam", T0 + timedelta(days=10)) == "manager"
    assert [r for _, r in d.timeline("sam")] == ["sales", "manager"]


def test_a_backdated_role_change_is_placed_in_time_order() -> None:
    d = directory()
    d.change_role(
        "sam", "director", T0 + timedelta(days=20), by="olga", now=T0 + timedelta(days=30)
    )
    d.change_role("sam", "manager", T0 + timedelta(days=10), by="olga", now=T0 + timedelta(days=30))
    assert d.role_of("sam", T0 + timedelta(days=15)) == "manager"
    assert d.role_of("sam", T0 + timedelta(days=25)) == "director"


def test_only_an_owner_adds_users_or_changes_roles() -> None:
    d = directory()
    with pytest.raises(AccessError, match="only an owner can add users; sam is 'sales'"):
        d.add_user("eve", "manager", T0, by="sam", now=T0 + timedelta(days=2))
    with pytest.raises(AccessError):
        d.change_role("sam", "owner", T0, by="sam", now=T0 + timedelta(days=2))
    assert len(d.collect_events()) == 2


def test_unknown_users_and_duplicates_are_refused() -> None:
    d = directory()
    with pytest.raises(UnknownUserError):
        d.role_of("zed", T0)
    with pytest.raises(UnknownUserError):
        d.change_role("zed", "sales", T0, by="olga", now=T0)
    with pytest.raises(DomainError, match="exists already"):
        d.add_user("sam", "sales", T0, by="olga", now=T0)


@pytest.mark.parametrize(
    ("role", "ok"),
    [(None, False), ("sales", False), ("manager", True), ("director", True), ("owner", True)],
)
def test_manager_or_above(role: str | None, ok: bool) -> None:
    assert at_least_manager(role) is ok


def test_the_directory_id_is_the_documented_uuid5() -> None:
    from uuid import NAMESPACE_URL, uuid5

    from kaflow.aggregates.directory import DIRECTORY_ID

    assert uuid5(NAMESPACE_URL, "kaflow:user-directory") == DIRECTORY_ID


def test_the_last_owner_cannot_give_up_ownership() -> None:
    d = directory()
    with pytest.raises(AccessError, match="without an owner"):
        d.change_role(
            "olga", "sales", T0 + timedelta(days=3), by="olga", now=T0 + timedelta(days=3)
        )
    d.change_role("sam", "owner", T0 + timedelta(days=3), by="olga", now=T0 + timedelta(days=3))
    d.change_role("olga", "sales", T0 + timedelta(days=4), by="olga", now=T0 + timedelta(days=4))
    assert d.role_of("olga", T0 + timedelta(days=4)) == "sales"


def test_a_future_owner_does_not_count_as_an_owner_now() -> None:
    d = directory()
    later = T0 + timedelta(days=30)
    d.change_role("sam", "owner", later, by="olga", now=T0 + timedelta(days=2))
    with pytest.raises(AccessError):
        d.change_role(
            "olga", "sales", T0 + timedelta(days=2), by="olga", now=T0 + timedelta(days=2)
        )


def test_a_role_can_be_recorded_from_before_the_first_one_and_empty_changes_are_refused() -> None:
    from kaflow.aggregates.errors import InvalidChangeError

    d = directory()  # sam: sales from day 1
    d.change_role("sam", "manager", T0, by="olga", now=T0 + timedelta(days=2))
    assert d.role_of("sam", T0) == "manager"
    assert d.role_of("sam", T0 + timedelta(days=1)) == "sales"
    with pytest.raises(InvalidChangeError, match="nothing to change"):
        d.change_role("sam", "sales", T0 + timedelta(days=2), by="olga", now=T0 + timedelta(days=2))
    with pytest.raises(InvalidChangeError, match="'sam' exists already"):
        d.add_user("SAM", "sales", T0, by="olga", now=T0 + timedelta(days=2))


def test_names_match_regardless_of_case() -> None:
    d = directory()
    assert d.canonical("SAM") == "sam"
    assert d.role_of("Sam", T0 + timedelta(days=1)) == "sales"


def test_scheduled_changes_cannot_leave_a_gap_without_an_owner() -> None:
    d = directory()
    now = T0 + timedelta(days=2)
    d.change_role("sam", "owner", now, by="olga", now=now)
    d.change_role("sam", "sales", T0 + timedelta(days=10), by="olga", now=now)
    d.change_role("sam", "owner", T0 + timedelta(days=15), by="olga", now=now)
    with pytest.raises(AccessError, match="without an owner"):
        d.change_role("olga", "sales", now, by="olga", now=now)  # nobody from day 10 to 15
    d.change_role("olga", "sales", T0 + timedelta(days=16), by="olga", now=now)


def test_the_only_owner_may_extend_their_record_back_in_time() -> None:
    d = directory()
    d.change_role("olga", "sales", T0 - timedelta(days=30), by="olga", now=T0 + timedelta(days=2))
    assert d.role_of("olga", T0 - timedelta(days=1)) == "sales"
    assert d.role_of("olga", T0 + timedelta(days=2)) == "owner"
