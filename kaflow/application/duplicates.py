"""Likely duplicates: accounts whose names are the same once normalised (case, width,
spaces and punctuation, company suffixes such as 有限公司 or Co., Ltd.), or nearly so
(rapidfuzz's ratio of the normalised names, 0-100)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

SIMILAR = 90  # the least similarity, in percent, that makes a likely duplicate
# Company suffixes, as the end of a name reads (longest first): stripped before comparing.
SUFFIXES_ZH = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "分公司",
    "集团",
    "公司",
)
SUFFIXES_EN = frozenset(
    ("co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc")
) | frozenset(("plc", "gmbh", "group", "holding", "holdings"))


def normalised(name: str) -> str:
    """``Acme Co., Ltd.``, ``ACME limited`` and ``Ａｃｍｅ`` all read ``acme``;
    ``华东建材(集团)有限公司`` reads ``华东建材``."""
    text = unicodedata.normalize("NFKC", name).casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    while len(words) > 1 and words[-1] in SUFFIXES_EN:
        words.pop()
    key = "".join(words)
    stripped = True
    while stripped:
        stripped = False
        for suffix in SUFFIXES_ZH:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, stripped = key[: -len(suffix)], True
                break
    return key


class Match(NamedTuple):
    account_id: str  # as the views keep it (hex)
    name: str
    similarity: int  # percent


def likely(
    name: str, accounts: Iterable[tuple[str, str]], least: int = SIMILAR, limit: int = 5
) -> list[Match]:
    """The accounts (id, name) whose names are likely the same as ``name``, most similar
    first."""
    from rapidfuzz import fuzz, process

    key = normalised(name)
    known = {account: (other, normalised(other)) for account, other in accounts}
    found = process.extract(
        key,
        {account: other_key for account, (_, other_key) in known.items()},
        scorer=fuzz.ratio,
        score_cutoff=least,
        limit=limit,
    )
    return [Match(account, known[account][0], round(score)) for _, score, account in found]


def pairs(accounts: Iterable[tuple[str, str]], least: int = SIMILAR) -> list[tuple[Match, Match]]:
    """Every likely pair among ``accounts`` (id, name), most similar first: names equal once
    normalised, and names nearly so among those that begin alike (compared in blocks by
    their first two characters, so a long list is not compared with itself whole)."""
    from rapidfuzz import fuzz

    keyed = [(account, name, normalised(name)) for account, name in accounts]
    blocks: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for entry in keyed:
        blocks[entry[2][:2]].append(entry)
    found = []
    for block in blocks.values():
        for i, (a, a_name, a_key) in enumerate(block):
            for b, b_name, b_key in block[i + 1 :]:
                score = round(fuzz.ratio(a_key, b_key))
                if score >= least:
                    found.append((Match(a, a_name, score), Match(b, b_name, score)))
    return sorted(found, key=lambda p: (-p[0].similarity, p[0].name, p[1].name))
