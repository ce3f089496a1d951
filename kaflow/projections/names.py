"""How accounts' names are compared: a search's key (letters and digits, any case or
width), the pairs of characters the search index holds, and the key likely duplicates
share (company suffixes stripped, in Chinese and in English)."""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """What a search matches: letters and digits only (Chinese characters are letters),
    in any case or width: ``HUADONG``, ``hua dong`` and ``Ｈｕａｄｏｎｇ`` are alike."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


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


def duplicate_key(name: str) -> str:
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


def grams(key: str) -> set[str]:
    """The pairs of neighbouring characters of a search key: what the search index holds,
    so that a search reads the accounts holding its rarest pair, not every account."""
    return {key[i : i + 2] for i in range(len(key) - 1)}
