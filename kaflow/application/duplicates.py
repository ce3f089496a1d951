"""Likely duplicates: accounts whose names are the same once normalised (case, width,
spaces and punctuation, company suffixes such as 有限公司 or Co., Ltd.), or nearly so
(rapidfuzz's ratio of the normalised names, 0-100)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from kaflow.projections.names import duplicate_key as normalised

SIMILAR = 90  # the least similarity, in percent, that makes a likely duplicate


def _numbers(key: str) -> list[str]:
    """The runs of digits in a key: ``shop12`` and ``shop13`` are two branches, not one
    spelt twice."""
    import re

    return re.findall(r"\d+", key)


def _alike(a: str, b: str, score: float, least: int) -> bool:
    return score >= least and (a == b or _numbers(a) == _numbers(b))


class Match(NamedTuple):
    account_id: str  # as the views keep it (hex)
    name: str
    similarity: int  # percent


def likely(
    name: str,
    accounts: Iterable[tuple[str, str] | tuple[str, str, str]],
    least: int = SIMILAR,
    limit: int = 5,
) -> list[Match]:
    """The accounts (id, name[, its normalised name]) whose names are likely the same
    as ``name``, most similar first."""
    from rapidfuzz import fuzz, process

    key = normalised(name)
    known = {a[0]: (a[1], a[2] if len(a) > 2 else normalised(a[1])) for a in accounts}
    found = process.extract(
        key,
        {account: other_key for account, (_, other_key) in known.items()},
        scorer=fuzz.ratio,
        score_cutoff=least,
        limit=limit + 20,  # some may differ in their numbers
    )
    alike = [(a, s) for other, s, a in found if _alike(key, other, s, least)]
    return [Match(a, known[a][0], round(s)) for a, s in alike[:limit]]


def pairs(
    accounts: Iterable[tuple[str, str] | tuple[str, str, str]], least: int = SIMILAR
) -> list[tuple[Match, Match]]:
    """Every likely pair among ``accounts`` (id, name), most similar first: names equal once
    normalised, and names nearly so among those that begin alike (compared in blocks by
    their first two characters, so a long list is not compared with itself whole)."""
    from rapidfuzz import fuzz

    keyed = [(a[0], a[1], a[2] if len(a) > 2 else normalised(a[1])) for a in accounts]
    blocks: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for entry in keyed:
        blocks[entry[2][:2]].append(entry)
    found = []
    for block in blocks.values():
        for i, (a, a_name, a_key) in enumerate(block):
            for b, b_name, b_key in block[i + 1 :]:
                score = round(fuzz.ratio(a_key, b_key))
                if _alike(a_key, b_key, score, least):
                    found.append((Match(a, a_name, score), Match(b, b_name, score)))
    return sorted(found, key=lambda p: (-p[0].similarity, p[0].name, p[1].name))
