"""Amounts and units as the company pages show them (their texts live in the message catalogue)."""

from __future__ import annotations

from checker.web.i18n import current_lang


def money(amount: float | None) -> str:
    """An amount in 万元 as people read it: '20 万元', or 'CNY 200k' / 'CNY 5.2 million' in English."""
    if amount is None:
        return ""
    if current_lang() != "en":
        return f"{amount:,.6g} 万元"
    yuan = amount * 10_000
    if abs(yuan) >= 1_000_000:
        return f"CNY {yuan / 1_000_000:,.4g} million"
    return f"CNY {yuan / 1_000:,.4g}k"


def unit(text: str) -> str:
    """A unit as shown: the English '10k CNY' becomes '万元 (CNY 10k)'."""
    return "万元 (CNY 10k)" if text.strip() == "10k CNY" else text
