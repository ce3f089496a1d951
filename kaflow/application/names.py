"""User names in commands: as people type them (full-width, composed forms are the same
name), and, for a new user, only what cannot deceive."""

from __future__ import annotations

from typing import Annotated

from pydantic_core import PydanticCustomError
from pydantic_core import core_schema as cs

# Names kaflow acts under itself: no user may take them.
RESERVED_NAMES = frozenset({"scheduler", "kaflow", "system"})
_NAME_PUNCTUATION = frozenset("._-")


def _user_name(value: str) -> str:
    """A user named in a command, as people type it: full-width or composed forms are
    the same name (NFKC)."""
    import unicodedata

    value = unicodedata.normalize("NFKC", value).strip()
    if "," in value or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise PydanticCustomError(
            "user_name", "a user name cannot hold commas or control characters"
        )
    return value


def _new_user_name(value: str) -> str:
    """A new user's name: letters of any script (Chinese names too), digits and . _ -;
    none of the names kaflow acts under."""
    value = _user_name(value)
    odd = [ch for ch in value if not _name_character(ch)]
    if odd:
        shown = ", ".join(repr(ch) for ch in dict.fromkeys(odd))
        raise PydanticCustomError(
            "user_name",
            "a user name holds letters, digits and . _ - only, not {odd}",
            {"odd": shown},
        )
    if value.casefold() in RESERVED_NAMES:
        raise PydanticCustomError(
            "user_name", "'{name}' is a name kaflow keeps for itself", {"name": value}
        )
    return value


def _name_character(ch: str) -> bool:
    import unicodedata

    return (
        unicodedata.category(ch)[0] == "L"
        or unicodedata.category(ch) == "Nd"
        or (ch in _NAME_PUNCTUATION)
    )


_LENGTH = cs.str_schema(strip_whitespace=True, min_length=1, max_length=100)
NAME = cs.no_info_after_validator_function(_user_name, _LENGTH)
UserName = Annotated[str, NAME]
NewUserName = Annotated[str, cs.no_info_after_validator_function(_new_user_name, _LENGTH)]
