"""Small charts drawn on the server as SVG: readable without JavaScript, printable, accessible.

Generic (label, value) charts, for the mayor's report and any page of figures:

- `bar_chart`: one horizontal bar per label, its value (and share of a total) at its end.
- `stacked_bar`: one bar split into the shares of a whole, with a legend.
- `column_chart`: vertical columns, a figure over time (per month).
- `bar_groups`: several bars per label (one per series, with a legend): planned against spent,
  proposals delivered, answered and implemented.

Each returns a `Chart`, which renders as a <figure>: a visible caption, the SVG (role="img",
named by its <title> and <desc> through aria-labelledby; <desc> states every value) and the same
data as a <table> kept for screen readers (visually hidden). All text is escaped. Colours come
from CSS classes (`chart__fill--0` ... `--3`, `chart__fill--muted` for "no answer"), never from
inline styles: the page's stylesheet colours them in a browser; a renderer that does not style
inline SVG from the page (WeasyPrint) gets the stylesheet embedded in each chart (`css=`).
"""
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

WIDTH = 360  # the viewBox's width; the stylesheet scales the chart to its column
FONT = 14  # px: .chart__label and .chart__value in the stylesheet; the layout counts on it
CHAR = 7.8  # the average advance of a character at FONT px (DejaVu Sans / system fonts), for wrapping
LINE = 18  # a label's line height
BAR = 16  # a bar's thickness
GAP = 10  # between one bar and the next label
SERIES = 4  # chart__fill--0 ... --3
MAX_LABEL_LINES = 3


@dataclass(frozen=True)
class Item:
    label: str
    value: float
    muted: bool = False  # "no answer" and the like: drawn in grey


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: Markup
    table: Markup

    def __html__(self) -> Markup:
        return Markup('<figure class="chart" id="{id}"><figcaption class="chart__title">{title}</figcaption>'
                      '{svg}<div class="visually-hidden">{table}</div></figure>').format(
            id=self.id, title=self.title, svg=self.svg, table=self.table)

    def __str__(self) -> str:
        return str(self.__html__())


def _items(data: Iterable) -> list[Item]:
    items = []
    for row in data:
        item = row if isinstance(row, Item) else Item(*row)
        items.append(Item(str(item.label), item.value or 0, bool(item.muted)))
    return items


def _texts(*texts) -> list[str]:
    """Plain strings: a lazy translation may pass for safe markup, and every text must be escaped."""
    return [str(text) for text in texts]


def _number(value) -> str:
    return format_decimal(value)


def _share(value, total) -> str:
    return format_percent(value / total if total else 0)


def _n(x: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _wrap(label: str, width: float) -> list[str]:
    lines = textwrap.wrap(label, max(8, int(width // CHAR))) or [""]
    if len(lines) > MAX_LABEL_LINES:  # the table and <desc> keep the whole label
        lines = lines[:MAX_LABEL_LINES]
        lines[-1] = lines[-1][:-1].rstrip() + "…"
    return lines


def _svg(chart_id: str, title, description: str, height: float, body: list, css: str | None) -> Markup:
    style = Markup("<style>{}</style>").format(css) if css else ""
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" focusable="false">{style}'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>'
    ).format(w=WIDTH, h=_n(height), id=chart_id, style=style, title=title, desc=description,
             body=Markup("").join(body))


def _table(title, items: list[Item], label_heading, value_heading, total) -> Markup:
    share = total is not None
    head = Markup('<tr><th scope="col">{}</th><th scope="col">{}</th>{}</tr>').format(
        label_heading, value_heading, Markup("<th scope=\"col\">{}</th>").format(str(_l("Porcentaje"))) if share else "")
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td>{}</td>{}</tr>').format(
            item.label, _number(item.value), Markup("<td>{}</td>").format(_share(item.value, total)) if share else "")
        for item in items)
    foot = Markup('<tfoot><tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr></tfoot>').format(
        str(_l("Total")), _number(total), _share(total, total)) if share else ""
    return Markup('<table class="chart__table"><caption>{}</caption><thead>{}</thead><tbody>{}</tbody>{}</table>').format(
        title, head, rows, foot)


def _describe(items: list[Item], total) -> str:
    parts = [f"{item.label}: {_number(item.value)}" + (f" ({_share(item.value, total)})" if total else "")
             for item in items]
    return "; ".join(parts) + "."


def _fill(item: Item, series: int) -> str:
    return "chart__fill--muted" if item.muted else f"chart__fill--{series % SERIES}"


def bar_chart(data: Iterable, *, id: str, title, label_heading=_l("Dato"), value_heading=_l("Número"),
              total: float | None = None, description: str | None = None, series: int = 0,
              css: str | None = None) -> Chart:
    """Horizontal bars, one per (label, value[, muted]) in the order given. With `total`, each value
    also reads as its share of it (and the table gets a percentage column)."""
    title, label_heading, value_heading = _texts(title, label_heading, value_heading)
    items = _items(data)
    values = [_number(i.value) + (f" ({_share(i.value, total)})" if total else "") for i in items]
    value_room = max((len(v) for v in values), default=1) * CHAR + 8
    bar_room = WIDTH - value_room
    top = max((i.value for i in items), default=0)
    body, y = [], 0.0
    for item, value in zip(items, values):
        for line in _wrap(item.label, WIDTH):
            y += LINE
            body.append(Markup('<text class="chart__label" x="0" y="{}">{}</text>').format(_n(y - 4), line))
        y += 2
        width = bar_room * item.value / top if top else 0
        body.append(Markup('<rect class="chart__track" x="0" y="{y}" width="{w}" height="{h}"/>').format(
            y=_n(y), w=_n(bar_room), h=BAR))
        if width:
            body.append(Markup('<rect class="chart__bar {fill}" x="0" y="{y}" width="{w}" height="{h}"/>').format(
                fill=_fill(item, series), y=_n(y), w=_n(max(width, 1)), h=BAR))
        body.append(Markup('<text class="chart__value" x="{x}" y="{y}">{v}</text>').format(
            x=_n(max(width, 0) + 6), y=_n(y + BAR - 3), v=value))
        y += BAR + GAP
    height = max(y - GAP + 2, LINE)
    return Chart(id=id, title=title,
                 svg=_svg(id, title, description or _describe(items, total), height, body, css),
                 table=_table(title, items, label_heading, value_heading, total))


def stacked_bar(data: Iterable, *, id: str, title, label_heading=_l("Dato"), value_heading=_l("Número"),
                description: str | None = None, css: str | None = None) -> Chart:
    """One bar split into the shares of the whole (the sum of the values), with a legend below:
    for answers to one question, "no answer" included (muted, grey)."""
    title, label_heading, value_heading = _texts(title, label_heading, value_heading)
    items = _items(data)
    total = sum(i.value for i in items)
    body, x, height = [], 0.0, 28
    body.append(Markup('<rect class="chart__track" x="0" y="0" width="{}" height="{}"/>').format(WIDTH, height))
    colour = 0
    for item in items:
        fill = _fill(item, colour)
        colour += 0 if item.muted else 1
        width = WIDTH * item.value / total if total else 0
        if width <= 0:
            continue
        body.append(Markup('<rect class="chart__seg {fill}" x="{x}" y="0" width="{w}" height="{h}"/>').format(
            fill=fill, x=_n(x), w=_n(width), h=height))
        share = _share(item.value, total)
        if width >= len(share) * CHAR + 8:
            body.append(Markup('<text class="chart__inside" x="{x}" y="19" text-anchor="middle">{s}</text>').format(
                x=_n(x + width / 2), s=share))
        x += width
    y = height + 8
    colour = 0
    for item in items:
        fill = _fill(item, colour)
        colour += 0 if item.muted else 1
        text = f"{item.label}: {_number(item.value)} ({_share(item.value, total)})"
        lines = _wrap(text, WIDTH - 20)
        body.append(Markup('<rect class="chart__key {fill}" x="0" y="{y}" width="12" height="12"/>').format(
            fill=fill, y=_n(y + 4)))
        for line in lines:
            y += LINE
            body.append(Markup('<text class="chart__label" x="20" y="{}">{}</text>').format(_n(y - 3), line))
        y += 2
    return Chart(id=id, title=title,
                 svg=_svg(id, title, description or _describe(items, total), math.ceil(y), body, css),
                 table=_table(title, items, label_heading, value_heading, total))


# --- Added for the programme's evaluation (ideaboard/evaluation): same pattern, two more kinds ---

COLUMN_HEIGHT = 120  # the tallest column of a column chart


def column_chart(data: Iterable, *, id: str, title, label_heading=_l("Dato"), value_heading=_l("Número"),
                 ticks: Iterable[str] | None = None, description: str | None = None, series: int = 0,
                 css: str | None = None) -> Chart:
    """Vertical columns, one per (label, value[, muted]) in the order given: a figure over time.

    `ticks`: the short text under each column (a month: "ene" with "2025" below on a new line,
    "\\n" between lines), the label itself when not given; the table and <desc> keep the labels.
    When the columns are too narrow for every tick (or value), every other one is left out of the
    drawing, never out of the table."""
    title, label_heading, value_heading = _texts(title, label_heading, value_heading)
    items = _items(data)
    ticks = [str(t) for t in ticks] if ticks is not None else [i.label for i in items]
    n = max(len(items), 1)
    pitch = WIDTH / n
    width = min(pitch * 0.7, 40)
    top = max((i.value for i in items), default=0)
    values = [_number(i.value) for i in items]
    widest = max((len(line) for t in ticks for line in t.split("\n")), default=1) * CHAR + 4
    step = max(1, math.ceil(widest / pitch))
    show_values = max((len(v) for v in values), default=1) * CHAR + 2 <= pitch
    base = LINE + COLUMN_HEIGHT  # the columns stand on it, their values above them
    body = []
    for index, (item, value, tick) in enumerate(zip(items, values, ticks)):
        x = index * pitch + (pitch - width) / 2
        middle = index * pitch + pitch / 2
        height = COLUMN_HEIGHT * item.value / top if top else 0
        body.append(Markup('<rect class="chart__track" x="{x}" y="{y}" width="{w}" height="{h}"/>').format(
            x=_n(x), y=_n(LINE), w=_n(width), h=COLUMN_HEIGHT))
        if height:
            height = max(height, 1)
            body.append(Markup('<rect class="chart__bar {fill}" x="{x}" y="{y}" width="{w}" height="{h}"/>').format(
                fill=_fill(item, series), x=_n(x), y=_n(base - height), w=_n(width), h=_n(height)))
        if show_values:
            body.append(Markup('<text class="chart__value" x="{x}" y="{y}" text-anchor="middle">{v}</text>').format(
                x=_n(middle), y=_n(base - height - 4), v=value))
        if index % step == 0:
            for line_number, line in enumerate(tick.split("\n")):
                body.append(Markup('<text class="chart__label" x="{x}" y="{y}" text-anchor="middle">{t}</text>').format(
                    x=_n(middle), y=_n(base + LINE * (line_number + 1)), t=line))
    lines = max((len(t.split("\n")) for t in ticks), default=1)
    height = base + LINE * lines + 4
    return Chart(id=id, title=title,
                 svg=_svg(id, title, description or _describe(items, None), height, body, css),
                 table=_table(title, items, label_heading, value_heading, None))


def bar_groups(rows: Iterable, *, id: str, title, series: Iterable, label_heading=_l("Dato"),
               value_format=None, shares_of: int | None = None, description: str | None = None,
               css: str | None = None) -> Chart:
    """Several bars per label, one per series, with a legend: (label, [value of each series]).

    All bars share one scale. `value_format` writes a value (a number by default; an amount of
    money, for instance). With `shares_of`, the other series' values also read as a share of that
    series' value in the same row (proposals answered out of those delivered)."""
    title, label_heading = _texts(title, label_heading)
    names = [str(s) for s in series]
    write = value_format or _number
    data = [(str(label), [v or 0 for v in values]) for label, values in rows]

    def text(values, k) -> str:
        written = write(values[k])
        if shares_of is not None and k != shares_of and values[shares_of]:  # no share of nothing
            written += f" ({_share(values[k], values[shares_of])})"
        return written

    texts = [[text(values, k) for k in range(len(names))] for _label, values in data]
    value_room = max((len(t) for row in texts for t in row), default=1) * CHAR + 8
    bar_room = WIDTH - value_room
    top = max((v for _label, values in data for v in values), default=0)
    body, y = [], 0.0
    for k, name in enumerate(names):  # the legend first: the colours are read before the bars
        body.append(Markup('<rect class="chart__key chart__fill--{k}" x="0" y="{y}" width="12" height="12"/>').format(
            k=k % SERIES, y=_n(y + 4)))
        for line in _wrap(name, WIDTH - 20):
            y += LINE
            body.append(Markup('<text class="chart__label" x="20" y="{}">{}</text>').format(_n(y - 3), line))
    y += GAP
    for (label, values), row_texts in zip(data, texts):
        for line in _wrap(label, WIDTH):
            y += LINE
            body.append(Markup('<text class="chart__label" x="0" y="{}">{}</text>').format(_n(y - 4), line))
        y += 2
        for k, value in enumerate(values):
            width = bar_room * value / top if top else 0
            body.append(Markup('<rect class="chart__track" x="0" y="{y}" width="{w}" height="{h}"/>').format(
                y=_n(y), w=_n(bar_room), h=BAR))
            if width:
                body.append(Markup('<rect class="chart__bar chart__fill--{k}" x="0" y="{y}" width="{w}" height="{h}"/>')
                            .format(k=k % SERIES, y=_n(y), w=_n(max(width, 1)), h=BAR))
            body.append(Markup('<text class="chart__value" x="{x}" y="{y}">{v}</text>').format(
                x=_n(max(width, 0) + 6), y=_n(y + BAR - 3), v=row_texts[k]))
            y += BAR + 3
        y += GAP - 3
    height = max(y - GAP + 2, LINE)
    described = description or "; ".join(
        f"{label}: " + ", ".join(f"{name} {t}" for name, t in zip(names, row_texts))
        for (label, _values), row_texts in zip(data, texts)) + "."
    head = Markup('<tr><th scope="col">{}</th>{}</tr>').format(
        label_heading, Markup("").join(Markup('<th scope="col">{}</th>').format(name) for name in names))
    body_rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            label, Markup("").join(Markup("<td>{}</td>").format(t) for t in row_texts))
        for (label, _values), row_texts in zip(data, texts))
    table = Markup('<table class="chart__table"><caption>{}</caption><thead>{}</thead><tbody>{}</tbody></table>').format(
        title, head, body_rows)
    return Chart(id=id, title=title, svg=_svg(id, title, described, height, body, css), table=table)
