"""Likely duplicates: refused on prospect add naming the account and the similarity,
unless --allow-duplicate; listed for a manager by prospect duplicates."""

from __future__ import annotations

import pytest

from kaflow.application.duplicates import likely, normalised
from tests.cli.conftest import Run, as_json


def add(ws: Run, name: str, *more: str, code: int = 0) -> str:
    args = ["prospect", "add", name, "--category", "potential", "--nature", "d", *more]
    return str(ws(*args, code=code).stdout.strip())


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme Co., Ltd.", "acme"),
        ("ACME limited", "acme"),
        ("Ａｃｍｅ", "acme"),
        ("Acme Group Co Ltd", "acme"),
        ("Telco", "telco"),  # a word that ends like a suffix is not one
        ("华东建材(集团)有限公司", "华东建材"),
        ("华东建材股份有限公司", "华东建材"),
        ("Huadong Supplies", "huadongsupplies"),
    ],
)
def test_names_are_compared_without_case_width_punctuation_or_suffixes(name: str, key: str) -> None:
    assert normalised(name) == key


def test_near_names_are_likely_and_different_ones_are_not() -> None:
    known = [("a", "华东建材有限公司"), ("b", "华南建材有限公司"), ("c", "Huadong Supplies")]
    assert [m.account_id for m in likely("华东建材股份有限公司", known)] == ["a"]
    assert [m.account_id for m in likely("Huadong Suplies", known)] == ["c"]  # a typo
    assert likely("Bolt Works", known) == []


def test_names_that_differ_in_their_numbers_are_two_accounts() -> None:
    known = [("a", "Acme Shop 12"), ("b", "Account 1 有限公司")]
    assert likely("Acme Shop 13", known) == []
    assert likely("Account 10 有限公司", known) == []
    assert [m.account_id for m in likely("ACME shop 12 Ltd", known)] == ["a"]


def test_a_likely_duplicate_is_refused_unless_allowed(ws: Run) -> None:
    first = add(ws, "华东建材有限公司")
    result = ws("prospect", "add", "华东建材(集团)有限公司", "--category", "potential",
                "--nature", "d", "--json", code=1)  # fmt: skip
    error = as_json(result)
    assert error["rule"] == "duplicate" and error["field"] == "NAME"
    assert first in error["error"] and "100%" in error["error"]
    assert "--allow-duplicate" in error["error"]
    second = add(ws, "华东建材(集团)有限公司", "--allow-duplicate")
    [pair] = as_json(ws("prospect", "duplicates", "--json"))
    assert pair["similarity"] == 100
    assert {a["id"]: a["name"] for a in pair["accounts"]} == {
        first: "华东建材有限公司",
        second: "华东建材(集团)有限公司",
    }
    assert "100%" in ws("prospect", "duplicates").stdout
    ws("prospect", "archive", second, "--reason", "dup", "--duplicate-of", first, user="mia")
    assert as_json(ws("prospect", "duplicates", "--json")) == []
    result = ws(
        "prospect", "add", "华东建材集团", "--category", "potential", "--nature", "d", code=1
    )  # the one not archived is named
    assert first in result.stderr and second not in result.stderr


def test_an_archived_account_is_not_a_duplicate_and_the_similarity_is_checked(ws: Run) -> None:
    pid = add(ws, "Acme Co., Ltd.")
    ws("prospect", "archive", pid, "--reason", "test account", user="mia")
    add(ws, "ACME")  # the archived one does not count
    assert "no likely duplicates" in ws("prospect", "duplicates").stdout
    err = ws("prospect", "duplicates", "--similarity", "20", code=2).stderr
    assert "--similarity" in err and "50 to 100" in err
