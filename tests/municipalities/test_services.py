import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.municipalities.models import Municipality
from ideaboard.municipalities.services import by_department, find_by_label, get_by_code, load_municipalities


def test_all_340_municipalities_with_four_digit_codes_in_22_departments(app):
    rows = db.session.scalars(sa.select(Municipality)).all()
    assert len(rows) == 340
    assert len({m.code for m in rows}) == 340
    assert all(len(m.code) == 4 and m.code.isdigit() for m in rows)
    assert len({m.department for m in rows}) == 22
    assert get_by_code("0108").name == "Mixco"
    assert get_by_code("2101").name == "Jalapa"


def test_the_eight_pilots_are_marked(app):
    pilots = db.session.scalars(sa.select(Municipality).where(Municipality.is_pilot)).all()
    assert sorted(m.name for m in pilots) == sorted([
        "Jalapa", "Antigua Guatemala", "Jacaltenango", "Totonicapán", "Cobán", "Mixco",
        "Quetzaltenango", "Villa Nueva",
    ])


def test_loading_again_changes_nothing_and_repairs_edits(app):
    assert load_municipalities() == (0, 0)
    mixco = get_by_code("0108")
    mixco.name = "Mixko"
    db.session.commit()
    assert load_municipalities() == (0, 1)
    assert get_by_code("0108").name == "Mixco"
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 340


def test_find_by_label_accepts_label_code_or_unique_name(app):
    assert find_by_label("Mixco, Guatemala (0108)").code == "0108"
    assert find_by_label("108").code == "0108"
    assert find_by_label("cobán").code == "1601"
    assert find_by_label("Atlantis") is None
    assert find_by_label("") is None
    # "San Pedro" alone is ambiguous in Guatemala: not guessed.
    assert find_by_label("Santa Catarina") is None


def test_by_department_groups_in_order(app):
    groups = by_department()
    assert [name for name, _ in groups] == sorted(name for name, _ in groups)
    assert sum(len(ms) for _, ms in groups) == 340
