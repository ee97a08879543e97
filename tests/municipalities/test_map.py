"""The map of Guatemala: 340 shapes drawn on the server, municipalities with ideathons highlighted."""
import re
import time

import pytest
import sqlalchemy as sa

from ideaboard.archive.services import archive_ideathon
from ideaboard.extensions import db
from ideaboard.ideathons.services import cancel_ideathon
from ideaboard.municipalities.map import build_map, geometry, ideathon_counts, ideathon_map
from ideaboard.municipalities.models import Municipality
from ideaboard.rooms.services import change_phase

SVG = re.compile(r"<svg class=\"gt-map__svg\".*?</svg>", re.S)
LINK = re.compile(r'<a class="gt-map__link[^"]*" href="/municipios/(\d{4})"')
PATH_DATA = re.compile(r"^(M-?[\d.]+ -?[\d.]+l[-\d. ]+z)+$")


def svg_of(html: str) -> str:
    match = SVG.search(html)
    assert match, "no map on the page"
    return match.group(0)


def caption_list(html: str) -> str:
    """The text alternative: the caption and the list after the drawing."""
    return html.split("</svg>", 1)[1].split("</figure>", 1)[0]


def test_geometry_has_the_340_municipalities_of_the_table(app):
    shapes = geometry().shapes
    table = {m.code: m for m in db.session.scalars(sa.select(Municipality))}
    assert len(shapes) == 340
    assert {s.code for s in shapes} == set(table)
    for shape in shapes:
        assert (shape.name, shape.department) == (table[shape.code].name, table[shape.code].department)
        assert PATH_DATA.match(shape.d), shape.code
    width, height = geometry().width, geometry().height
    assert all(0 <= s.x <= width and 0 <= s.y <= height and 0 < s.size < width for s in shapes)
    assert geometry().view_box == f"0 0 {width:g} {height:g}"
    assert geometry() is geometry()  # computed once per process


def test_the_map_is_small_enough_for_a_phone(app):
    g = geometry()
    size = sum(len(s.d) for s in g.shapes) + len(g.lakes) + len(g.borders)
    assert size < 400_000


def test_the_svg_has_340_municipality_paths(client):
    svg = svg_of(client.get("/").get_data(as_text=True))
    titles = re.findall(r"<path d=\"[^\"]+\"><title>([^<]+)</title></path>", svg)
    assert len(titles) == 340  # no ideathon: every municipality is plain
    assert "Mixco (Guatemala)" in titles
    assert 'aria-hidden="true"' in svg.split(">", 1)[0]  # the text alternative speaks for it


def test_a_municipality_with_an_ideathon_is_highlighted_and_linked(client, make_ideathon):
    make_ideathon("1601", title="Ideatón de Cobán", days=10)
    make_ideathon("1601", days=-20)
    html = client.get("/").get_data(as_text=True)
    svg = svg_of(html)
    assert LINK.findall(svg) == ["1601"]
    link = svg.split('href="/municipios/1601"', 1)[1].split("</a>", 1)[0]
    assert "<title>Cobán (Alta Verapaz): 2 ideatones</title>" in link
    assert 'tabindex="-1"' in svg.split('href="/municipios/1601"', 1)[1].split(">", 1)[0]
    plain = svg.split('class="gt-map__plain"', 1)[1].split("</g>", 1)[0]
    assert plain.count("<path") == 339 and "Cobán" not in plain
    assert "gt-map__halo" not in svg  # Cobán is big enough to be seen


def test_a_small_municipality_gets_a_ring_so_that_it_shows_on_a_phone(client, make_ideathon):
    make_ideathon("0301")  # Antigua Guatemala: a few pixels wide on a phone
    svg = svg_of(client.get("/").get_data(as_text=True))
    ring = re.search(r'<a class="gt-map__halo" href="/municipios/0301" tabindex="-1">\s*<title>[^<]+</title>\s*'
                     r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"/>', svg)
    assert ring
    antigua = next(s for s in geometry().shapes if s.code == "0301")
    assert (float(ring[1]), float(ring[2]), float(ring[3])) == (antigua.x, antigua.y, antigua.halo)
    assert antigua.halo >= antigua.size / 2


def test_a_cancelled_ideathon_highlights_nothing(client, make_ideathon, make_user):
    coordinator = make_user("coordinator")
    make_ideathon("0301", actor=coordinator)
    cancelled = make_ideathon("0901", title="Ideatón suspendida", actor=coordinator)
    cancel_ideathon(cancelled, reason="Lluvia", actor=coordinator)
    html = client.get("/municipios/").get_data(as_text=True)
    svg = svg_of(html)
    assert LINK.findall(svg) == ["0301"]
    assert "Quetzaltenango (Quetzaltenango)</title></path>" in svg.split('class="gt-map__plain"', 1)[1]
    assert "/municipios/0901" not in caption_list(html)
    assert ideathon_counts() == ({"0301": 1}, {})


def test_the_text_alternative_lists_the_highlighted_municipalities(client, make_ideathon):
    make_ideathon("0108")
    make_ideathon("0115")
    make_ideathon("0115")
    html = client.get("/").get_data(as_text=True)
    figure = html.split('<figure class="gt-map"', 1)[1].split("</figure>", 1)[0]
    assert 'aria-labelledby="gt-map-caption"' in figure
    text = caption_list(html)
    assert "En color, los 2 municipios que tienen ideatones:" in text
    links = re.findall(r'<a class="chip" href="/municipios/(\d{4})">([^<]+)<span class="chip__count">([^<]+)</span>',
                       text)
    assert links == [("0108", "Mixco ", "1 ideatón"), ("0115", "Villa Nueva ", "2 ideatones")]


def test_archived_ideathons_are_marked(client, open_room):
    room = open_room(municipality="0301")
    change_phase(room, "closed", actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    open_room(municipality="0108")
    html = client.get("/municipios/").get_data(as_text=True)
    svg = svg_of(html)
    assert re.search(r'<a class="gt-map__link gt-map__link--archived" href="/municipios/0301"', svg)
    assert re.search(r'<a class="gt-map__halo gt-map__halo--archived" href="/municipios/0301"', svg)
    assert re.search(r'<a class="gt-map__link" href="/municipios/0108"', svg)
    assert "1 en el archivo" in caption_list(html)
    assert "Con ideatones en el archivo público" in html


@pytest.mark.parametrize("path", ["/", "/municipios/"])
def test_home_and_index_render_the_map_with_its_stylesheet(client, path):
    html = client.get(path).get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/static/css/map\.[0-9a-f]{12}\.css"', html)
    assert html.count('<figure class="gt-map"') == 1
    assert 'viewBox="0 0 ' in svg_of(html)
    assert "Aún ningún municipio ha programado una ideatón." in caption_list(html)
    assert " style=" not in html  # the CSP forbids inline styles


def test_build_map_ignores_unknown_codes_and_zero_counts(app):
    gt_map = build_map({"0108": 2, "9999": 1, "0101": 0}, archived={"0108"})
    assert [h.code for h in gt_map.entries] == ["0108"]
    assert gt_map.entries[0].archived == 1 and gt_map.any_archived
    assert len(gt_map.plain) == 339
    assert build_map({"0901", "0301"}).entries[0].name == "Antigua Guatemala"  # by name
    assert ideathon_map().entries == []


def test_the_home_page_stays_fast(client, make_ideathon):
    make_ideathon("0108")
    client.get("/")  # the geometry is computed once, before the first page
    started = time.perf_counter()
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert (time.perf_counter() - started) / 5 < 0.5
