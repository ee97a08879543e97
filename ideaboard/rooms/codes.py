"""Room codes: short, typed by hand on a phone, read aloud in a hall, guessed by no one.

The alphabet leaves out characters people confuse (0/O, 1/I/L). Six characters give
31**6 ≈ 887 million codes. Wrong codes are limited to 10 per address per 10 minutes, but a right
code always gets in (a hall shares one address), so a guesser refused by that limit still learns
from each answer; every attempt is also capped at 300 a minute per address: with ten rooms open,
one address needs some 200 days on average to hit one.
"""
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
_NOT_CODE = re.compile(r"[^A-Z0-9]")


def generate_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str, length: int = LENGTH) -> str:
    """What a person typed (lower case, spaces, a dash) as a stored code; '' if it cannot be one."""
    code = _NOT_CODE.sub("", (text or "").upper())
    if len(code) != length or any(ch not in ALPHABET for ch in code):
        return ""
    return code


def display_code(code: str) -> str:
    """ABC-234 (ABCD-2345 for join cards): easier to read aloud and to copy."""
    if not code:
        return ""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
