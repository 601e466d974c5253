"""Currencies and amounts: ISO 4217 codes with their exponent (the digits after the decimal
point: JPY 0, EUR 2, BHD 3), and the community's own currencies, declared by decision with
theirs. Amounts are integers in minor units everywhere in the books; text is for people only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: ISO 4217's active codes whose minor unit is not 2 digits (the facts, from the standard's
#: list); every other code in ISO_CODES has 2.
_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

#: ISO 4217's active currency codes (funds codes included; precious metals, test and "no
#: currency" codes left out: they are not money a community is paid in).
_ISO_LIST = (
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF BHD IQD JOD KWD LYD "
    "OMR TND CLF UYW AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND "
    "BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK "
    "DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF "
    "IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD "
    "LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR "
    "NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU "
    "UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG "
)
ISO_CODES = frozenset("".join(_ISO_LIST).split())

MAX_EXPONENT = 6
#: The largest amount one posting or balance holds (BigInteger's range, with room for sums).
MAX_MINOR = 10**15


def iso_exponent(code: str) -> int | None:
    """The ISO currency's exponent, or None when ``code`` is not an ISO 4217 code."""
    if code not in ISO_CODES:
        return None
    return _EXPONENTS.get(code, 2)


def to_minor(text: str, exponent: int) -> int:
    """A decimal amount as people write it ("12.50") in minor units (1250 for an exponent of
    2); ValueError, saying what to write, when it has more digits than the currency has or is
    not a number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount: write digits, e.g. 12.50") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount: write digits, e.g. 12.50")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(
            f"{text} has more decimals than the currency's {exponent} "
            "(its smallest unit cannot be split)"
        )
    return int(minor)


def format_minor(amount: int, exponent: int) -> str:
    """Minor units as a decimal for people (1250, 2 → "12.50"; -5, 3 → "-0.005")."""
    if exponent == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}"
