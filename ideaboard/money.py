"""Money as people in Guatemala write it: amounts shown as "Q8,100.00" and amounts typed in a form,
read by one rule (`parse_amount`) that refuses anything it could misread rather than guess. Amounts
are kept as whole centavos everywhere."""
import re

from flask_babel import lazy_gettext as _l

from .refusals import Refusal

MAX_CENTS = 10_000_000_00  # Q10,000,000.00: more than this for one workshop is a typing error


def quetzales(cents: int) -> str:
    """Q8,100.00 (the way amounts are written in Guatemala)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}Q{abs(cents) / 100:,.2f}"


def plain_amount(cents: int) -> str:
    """1500.00: an amount as a form shows it for editing (read back by `parse_amount`)."""
    return f"{cents // 100}.{cents % 100:02d}"


class AmountError(Refusal):
    """The typed amount cannot be read, or is out of bounds; the message says why, in Spanish."""


_CURRENCY = re.compile(r"(?:GTQ|Q)\.?\s*", re.IGNORECASE)
_WHOLE = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]+))?")  # 1,500  1,500.50  10,000,000
_POINT = re.compile(r"([0-9]+)\.([0-9]+)")  # 1500.5  1500.50
_COMMA = re.compile(r"([0-9]+),([0-9]{1,2})")  # 1500,5  1500,50 (a decimal comma)
_EUROPEAN = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]*)?|[0-9]+\.[0-9]+,[0-9]*")  # 1.500,50  1.500.000


def parse_amount(text) -> int:
    """Read an amount typed in quetzales; return whole centavos. Raises AmountError.

    The rule, Guatemala's way of writing money, with one allowance:
    - an optional "Q", "Q." or "GTQ" before the number ("Q1,500", "Q.1,500.00", "Q 250"): in
      "Q.50" the point belongs to the currency sign, so it reads Q50;
    - the point is the decimal separator, with one or two decimals ("1500.5", "1500.50");
    - the comma separates thousands when it is followed by exactly three digits, in groups of three
      ("1,500", "10,000,000", "1,500.50");
    - a comma followed by one or two digits at the end, with no other separator, is a decimal comma
      ("1500,50", "1500,5"): it cannot be a thousands separator;
    - everything else is refused with a message, never guessed: "1.500" (one thousand five hundred
      written the European way, or one point five?), "1.500,50" and "1.500.000" (the European
      way, where the point is for thousands), three or more decimals, spaces inside the number,
      letters.
    Zero is read (a plan may be zero; an expense may not: its caller refuses it). A minus sign gives
    "El monto no puede ser negativo."; more than Q10,000,000.00 is refused as a typing error.
    """
    raw = (text if isinstance(text, str) else "" if text is None else str(text)).strip()
    if not raw:
        raise AmountError(_l("Escriba el monto."))
    shown = raw if len(raw) <= 30 else raw[:29] + "…"
    negative = False
    rest = raw
    for _ in range(2):  # "-Q1,500" and "Q-1,500" alike
        if rest[:1] in ("-", "−"):
            negative, rest = True, rest[1:].strip()
        match = _CURRENCY.match(rest)
        if match:
            rest = rest[match.end():]
    rest = rest.strip()
    if len(rest) > 20:
        raise AmountError(_l("«%(text)s» no es un monto. Escriba, por ejemplo, 1500 o 1,500.50.", text=shown))
    whole, decimals = None, ""
    if _WHOLE.fullmatch(rest):
        whole = rest
    elif match := _GROUPED.fullmatch(rest):
        whole, decimals = match.group(1).replace(",", ""), match.group(2) or ""
    elif match := _POINT.fullmatch(rest):
        whole, decimals = match.groups()
        if len(decimals) == 3 and len(whole) <= 3:
            raise AmountError(_l("«%(text)s» no es claro: ¿el punto separa los miles o los centavos? Escriba "
                                 "los miles sin punto (1500 o 1,500) y los centavos con dos cifras (1500.50).",
                                 text=shown))
    elif match := _COMMA.fullmatch(rest):
        whole, decimals = match.groups()
    elif _EUROPEAN.fullmatch(rest):
        raise AmountError(_l("En «%(text)s» el punto separa miles: use la coma para los miles y el punto "
                             "para los centavos, por ejemplo 1,500.50.", text=shown))
    else:
        raise AmountError(_l("«%(text)s» no es un monto. Escriba, por ejemplo, 1500 o 1,500.50.", text=shown))
    if len(decimals) > 2:
        raise AmountError(_l("Escriba como máximo dos decimales (los centavos)."))
    cents = int(whole) * 100 + int(decimals.ljust(2, "0") or 0)
    if negative:
        raise AmountError(_l("El monto no puede ser negativo."))
    if cents > MAX_CENTS:
        raise AmountError(_l("El monto es demasiado grande: el máximo es %(max)s.", max=quetzales(MAX_CENTS)))
    return cents
