"""Loading and finding municipalities."""
import csv
import re
from functools import cache
from importlib import resources
from itertools import groupby

import sqlalchemy as sa

from ..database import write
from ..extensions import db
from .models import PILOT_CODES, Municipality

_LABEL_CODE = re.compile(r"\((\d{4})\)\s*$")


def read_catalogue() -> list[dict]:
    """The rows of the shipped INE catalogue (ideaboard/data/municipios_gt.csv)."""
    with resources.files("ideaboard.data").joinpath("municipios_gt.csv").open(encoding="utf-8") as f:
        return [
            {
                "code": f"{int(row['codigo_muni']):04d}",
                "name": row["municipio"].strip(),
                "department": row["departamento"].strip(),
                "department_code": f"{int(row['codigo_depto']):02d}",
            }
            for row in csv.DictReader(f)
        ]


@cache
def departments() -> tuple[str, ...]:
    """The 22 departments' names, as the catalogue spells them, in alphabetical order."""
    return tuple(sorted({row["department"] for row in read_catalogue()}))


def load_municipalities() -> tuple[int, int]:
    """Insert missing municipalities and refresh changed ones. Idempotent. Returns (added, updated)."""
    added = updated = 0
    with write():
        existing = {m.code: m for m in db.session.scalars(sa.select(Municipality))}
        for row in read_catalogue():
            row["is_pilot"] = row["code"] in PILOT_CODES
            current = existing.get(row["code"])
            if current is None:
                db.session.add(Municipality(**row))
                added += 1
            elif any(getattr(current, key) != value for key, value in row.items()):
                for key, value in row.items():
                    setattr(current, key, value)
                updated += 1
    return added, updated


def get_by_code(code: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).where(Municipality.code == code))


def find_by_label(text: str) -> Municipality | None:
    """Resolve what a person typed or picked: a label ending in (code), a code, or an exact name."""
    text = (text or "").strip()
    if not text:
        return None
    match = _LABEL_CODE.search(text)
    if match:
        return get_by_code(match.group(1))
    if text.isascii() and text.isdigit() and len(text) <= 4:
        return get_by_code(f"{int(text):04d}")
    matches = db.session.scalars(
        sa.select(Municipality).where(sa.func.lower(Municipality.name) == text.lower())
    ).all()
    return matches[0] if len(matches) == 1 else None


def all_municipalities() -> list[Municipality]:
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))


def by_department() -> list[tuple[str, list[Municipality]]]:
    """Departments in alphabetical order, each with its municipalities by name."""
    rows = db.session.scalars(
        sa.select(Municipality).order_by(Municipality.department, Municipality.name)
    ).all()
    return [(department, list(group)) for department, group in groupby(rows, key=lambda m: m.department)]
