"""Room codes: short, typed by hand on a phone, read aloud in a hall, guessed by no one.

The alphabet leaves out characters people confuse (0/O, 1/I/L). Six characters give
31**6 ≈ 887 million codes; with a handful of open rooms and 10 failed tries per address
per 10 minutes, guessing one is hopeless.
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
