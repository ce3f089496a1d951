"""Amounts for people, in the workspace's currency (an ISO 4217 code): ``¥247,500.00``.

The symbol is the one the currency's own country writes (¥ for CNY, $ for USD, £ for GBP;
the English one where no single country owns it: € for EUR), the digits the currency's
(none for JPY), grouped in thousands. Data for programs (JSON, CSV) keeps plain numbers.
Babel is imported on first use: most commands show no amount.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

DEFAULT_CURRENCY = "CNY"


def currency_code(text: str) -> str:
    """``text`` as an ISO 4217 code Babel knows (``cny`` is ``CNY``), or ValueError."""
    from babel.numbers import list_currencies

    code = text.strip().upper()
    if code not in list_currencies():
        raise ValueError(f"unknown currency {text!r}: an ISO 4217 code such as CNY, USD or EUR")
    return code


# The workspace's default currency, written without loading Babel (most commands that
# show an amount show it in the default).
_PLAIN = {DEFAULT_CURRENCY: "¥"}


def money(amount: Decimal | str | int, currency: str) -> str:
    """``amount`` written for people: its symbol, grouped thousands, the currency's digits."""
    if currency in _PLAIN:
        value = _decimal(amount)
        return ("-" if value < 0 else "") + _PLAIN[currency] + f"{abs(value):,.2f}"
    from babel.numbers import format_currency

    value = _decimal(amount)
    digits = format_currency(abs(value), currency, format="#,##0.00", locale="en")
    sign = symbol(currency)
    return ("-" if value < 0 else "") + sign + (" " if sign[-1:].isalpha() else "") + digits


def spreadsheet_format(currency: str) -> str:
    """A spreadsheet's number format showing the currency: ``"¥"#,##0.00``."""
    from babel.numbers import get_currency_precision

    places = get_currency_precision(currency)
    quoted = '"' + symbol(currency).replace('"', "") + '"'
    return quoted + "#,##0" + ("." + "0" * places if places else "")


@cache
def symbol(currency: str) -> str:
    """The symbol the currency's own country writes, else the English one."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global
    from babel.numbers import get_currency_symbol

    territory = currency[:2]
    held = get_global("territory_currencies").get(territory, ())
    if any(entry[0] == currency and entry[2] is None for entry in held):
        try:
            return str(get_currency_symbol(currency, Locale.parse(f"und_{territory}")))
        except (UnknownLocaleError, ValueError):
            pass
    return str(get_currency_symbol(currency, "en"))


def _decimal(amount: Decimal | str | int) -> Decimal:
    try:
        return amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
