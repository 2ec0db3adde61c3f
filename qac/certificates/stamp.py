"""The certificate forms at batch speed: the form laid out once, each document's own text set into it.

Order 725n fixes the forms, and only a few fields differ between holders (number, names, dates,
the conclusion's recommendations, the QR code). WeasyPrint lays out the *blank*: the same
templates with every variable field replaced by a hidden one-letter placeholder per line
(``{% field %}``, templatetags/documents.py). From that layout this module takes a plan: every
fixed piece of text with its font and position, every placeholder's line, the table's borders and
the QR code's box. Each document is then drawn from the plan by ReportLab, with its own text set
where the placeholders were, in the same font files (Liberation Serif, with Cyrillic), as a PDF
of its own with nothing of another holder's inside.

Blanks are cached by their HTML, so a batch of one qualification lays out the form once (twice
when someone's name needs two lines: the number of lines of each field is part of the blank).
Line breaking is greedy at spaces and hyphens, as Pango breaks these texts; a document whose text
could break differently (a line within half a point of its box, a character the font lacks, a
fixed line that would overflow) is not stamped: ``stamp_plan`` answers None and the caller lays
it out with WeasyPrint as before, so nothing is ever printed differently from the HTML form.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import fontTools.subset
import fontTools.ttLib
import segno
from django.conf import settings
from PIL import Image
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from weasyprint import HTML
from weasyprint.draw import draw_collapsed_borders
from weasyprint.formatting_structure import boxes

from qac.pdf import font_config

PT = 0.75  # PDF points per CSS pixel
PLACEHOLDER_CLASS = "qac-field"
QR_CLASS = "qr-code"
# Binary streams, as every PDF writer does nowadays: ASCII85 costs time and a quarter more bytes.
rl_config.useA85 = 0
# A line this close to its box's width could break either way in Pango: leave it to WeasyPrint.
TOLERANCE = 0.5


class Unsupported(Exception):
    """The blank holds something the plan cannot redraw exactly: such documents keep the WeasyPrint path."""


# --- Fonts ----------------------------------------------------------------------------------------


@functools.cache
def font_name(family: str, bold: bool, italic: bool) -> str:
    """The ReportLab font for a CSS family and style: the file fontconfig gives Pango, named as WeasyPrint names it."""
    style = ":".join(s for s in ("bold" if bold else "", "italic" if italic else "") if s)
    pattern = f"{family}:{style}" if style else family
    command = [shutil.which("fc-match") or "fc-match", "-f", "%{family[0]}\n%{file}", pattern]
    out = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 (our own CSS family names)
    found_family, _, path = out.stdout.partition("\n")
    if out.returncode or found_family.strip().lower() != family.lower() or not path.endswith(".ttf"):
        raise Unsupported(f"font {pattern!r} is not installed as a TrueType file")
    name = "-".join([*family.split(), *(["Bold"] if bold else []), *(["Italic"] if italic else [])])
    font = TTFont(name, io.BytesIO(_unhinted(path)))
    font.face.name = name.encode()  # "Liberation-Serif-Bold", the base name WeasyPrint's PDFs carry
    pdfmetrics.registerFont(font)
    return name


def _unhinted(path: str) -> bytes:
    """The font file without its hinting programs (as WeasyPrint embeds it): a third of the size in every PDF."""
    font = fontTools.ttLib.TTFont(path)
    options = fontTools.subset.Options(hinting=False, notdef_outline=True, name_IDs=["*"], name_languages=["*"])
    options.layout_features = []
    options.drop_tables += ["FFTM"]  # FontForge's timestamps, which the subsetter only warns about
    subsetter = fontTools.subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font(style) -> str:
    family = style["font_family"][0]
    return font_name(family, style["font_weight"] >= 600, style["font_style"] != "normal")


def covers(font: str, text: str) -> bool:
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    return all(ord(char) in glyphs for char in text)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


# --- The plan: the blank's layout, read once ------------------------------------------------------


@dataclass
class Piece:
    """Text on a line: fixed (``field`` empty) or one line of a field's placeholder."""

    text: str
    font: str
    size: float  # points
    x: float  # points from the page's left edge
    width: float  # points, as laid out
    field: str = ""
    line: int = 0


@dataclass
class Line:
    left: float
    right: float
    baseline: float  # points from the page's top
    align: str
    wraps: bool
    pieces: list[Piece] = field(default_factory=list)


@dataclass
class PagePlan:
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    rules: list[tuple[float, float, float, float, float]] = field(default_factory=list)  # x1, y1, x2, y2, width
    qr: tuple[float, float, float, float] | None = None  # x, y (top), width, height


class _Rules:
    """Stands in for WeasyPrint's stream while it computes a collapsed table's border lines: records them."""

    def __init__(self, out):
        self.out, self.width = out, 0.0

    def stacked(self):
        return contextlib.nullcontext()

    def artifact(self):
        return contextlib.nullcontext()

    def set_color(self, color, stroke=False):
        if tuple(color)[:3] != (0, 0, 0):
            raise Unsupported("a border that is not black")

    def set_line_width(self, width):
        self.width = width

    def move_to(self, x, y):
        self.start = (x, y)

    def line_to(self, x, y):
        self.out.append((*self.start, x, y, self.width))

    def stroke(self):
        pass

    def __getattr__(self, name):
        raise Unsupported(f"a border drawn with {name}")


def _align(block) -> str:
    value = block.style["text_align_all"]
    return {"start": "left", "end": "right"}.get(value, value)


def _read_line(line_box, block, plan: PagePlan) -> None:
    left = block.content_box_x() * PT
    line = Line(
        left=left,
        right=left + block.width * PT,
        baseline=0.0,
        align=_align(block),
        wraps=block.style["white_space"] not in ("nowrap", "pre"),
    )
    for box in line_box.descendants():
        if isinstance(box, boxes.TextBox):
            _drawable(box.style)
            element = box.element
            is_field = element is not None and PLACEHOLDER_CLASS in (element.get("class") or "").split()
            line.baseline = (box.position_y + box.baseline) * PT
            line.pieces.append(
                Piece(
                    text=box.text,
                    font=_font(box.style),
                    size=box.style["font_size"] * PT,
                    x=box.position_x * PT,
                    width=box.width * PT,
                    field=element.get("data-field") if is_field else "",
                    line=int(element.get("data-line", 0)) if is_field else 0,
                )
            )
        elif isinstance(box, boxes.InlineReplacedBox):
            _read_image(box, plan)
    if line.pieces:
        plan.lines.append(line)


def _drawable(style) -> None:
    """Text the plan draws as plain black runs; anything else stays with WeasyPrint."""
    if style["visibility"] != "visible" or tuple(style["color"])[:4] != (0, 0, 0, 1):
        raise Unsupported("text that is not plain black")
    if style["letter_spacing"] != "normal" or style["word_spacing"] or style["text_decoration_line"] != "none":
        raise Unsupported("spaced or decorated text")
    if style["text_align_all"] == "justify" or style["text_indent"].value:
        raise Unsupported("justified or indented text")


def _read_image(box, plan: PagePlan) -> None:
    if box.element is None or QR_CLASS not in (box.element.get("class") or "").split():
        raise Unsupported("an image other than the QR code")
    plan.qr = (box.content_box_x() * PT, box.content_box_y() * PT, box.width * PT, box.height * PT)


def _read_box(box, plan: PagePlan) -> None:
    style = box.style
    if any(style[f"border_{side}_width"] for side in ("top", "right", "bottom", "left")) and not isinstance(
        box, (boxes.TableCellBox, boxes.TableBox)
    ):
        raise Unsupported("a border outside the table")
    if style["background_color"][3] and box.element_tag not in ("html", "body"):
        raise Unsupported("a background")
    if isinstance(box, boxes.TableBox):
        if not style["border_collapse"] == "collapse":
            raise Unsupported("a table with separate borders")
        recorder = _Rules([])
        draw_collapsed_borders(recorder, box)
        plan.rules += [(x1 * PT, y1 * PT, x2 * PT, y2 * PT, w * PT) for x1, y1, x2, y2, w in recorder.out]
    if isinstance(box, boxes.InlineReplacedBox | boxes.BlockReplacedBox):
        _read_image(box, plan)
        return
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.LineBox):
            _read_line(child, box, plan)
        else:
            _read_box(child, plan)


@functools.lru_cache(maxsize=64)
def _plan_for(html: str) -> tuple[PagePlan, ...] | Unsupported:
    rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config())
    pages = []
    try:
        for page in rendered.pages:
            plan = PagePlan(width=page.width * PT, height=page.height * PT)
            _read_box(page._page_box, plan)
            pages.append(plan)
    except Unsupported as exc:
        return exc
    return tuple(pages)


def plan_for(html: str) -> tuple[PagePlan, ...]:
    """The blank's plan, laid out once per distinct blank in this process."""
    plan = _plan_for(html)
    if isinstance(plan, Unsupported):
        raise plan
    return plan


def blank_key(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]


# --- Line breaking and stamping -------------------------------------------------------------------

_BREAK = re.compile(r"(?<=-)(?=\w)| +")


def _tokens(text: str) -> list[tuple[str, str]]:
    """(word, the separator after it): Pango breaks these texts at spaces and after a hyphen inside a word."""
    out, at = [], 0
    for match in _BREAK.finditer(text):
        out.append((text[at : match.start()], match.group()))
        at = match.end()
    out.append((text[at:], ""))
    return [(word, sep) for word, sep in out if word or sep]


def break_lines(text: str, font: str, size: float, first: float, rest: float) -> list[str]:
    """Greedy breaking as Pango does it for plain text; raises Unsupported when a break is too close to call."""
    lines, current = [], ""
    for word, sep in _tokens(text):
        candidate = current + word
        limit = rest if lines else first
        used = width(candidate.rstrip(), font, size)
        if abs(used - limit) < TOLERANCE:
            raise Unsupported("a line as wide as its box")
        if used > limit and current.strip():
            lines.append(current.rstrip())
            current = word
        else:
            current = candidate
        current += sep
    lines.append(current.rstrip())
    return lines


def field_lines(plan: tuple[PagePlan, ...], values: dict[str, str]) -> dict[str, int]:
    """How many lines each field takes for these values: the shape of the blank the document needs."""
    counts = {}
    for page in plan:
        for line in page.lines:
            for piece in line.pieces:
                if piece.field and piece.line == 0:
                    counts[piece.field] = len(_field_text_lines(line, piece, values[piece.field]))
    return counts


def _field_text_lines(line: Line, piece: Piece, value: str) -> list[str]:
    if not covers(piece.font, value):
        raise Unsupported("a character the font lacks")
    others = sum(p.width for p in line.pieces if p is not piece)
    if not value.strip() and not others:
        raise Unsupported("an empty field alone on its line (the HTML line would collapse)")
    available = line.right - line.left
    alone_after = piece is line.pieces[-1]
    if line.wraps and alone_after:
        return break_lines(value, piece.font, piece.size, available - others, available)
    used = width(value, piece.font, piece.size)
    if line.wraps and others + used > available - TOLERANCE:
        raise Unsupported("a field that would wrap inside a fixed line")
    return [value]


_GRAY = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # segno's light and dark modules as grey levels


def _qr_image(payload: str):
    """The QR code as a one-pixel-per-module grey image with a quiet zone of 2, as render.qr_data_uri makes it."""
    code = segno.make(payload, error="m", mode="byte", encoding="utf-8", mask=0)
    size = len(code.matrix) + 4
    blank = b"\xff" * size
    rows = [
        blank,
        blank,
        *(b"\xff\xff" + bytes(row).translate(_GRAY) + b"\xff\xff" for row in code.matrix),
        blank,
        blank,
    ]
    return ImageReader(Image.frombytes("L", (size, size), b"".join(rows)))


def stamp(plan: tuple[PagePlan, ...], values: dict[str, str], qr: str, *, title: str) -> bytes:
    """One document's PDF: the blank's plan with this document's text and QR code."""
    split, shape = {}, {}
    for page in plan:
        for line in page.lines:
            for piece in line.pieces:
                if piece.field and piece.line == 0:
                    split[piece.field] = _field_text_lines(line, piece, values[piece.field])
                if piece.field:
                    shape[piece.field] = piece.line + 1
    if any(len(split[name]) != count for name, count in shape.items()):
        raise Unsupported("the blank was laid out for other line counts")
    buffer = io.BytesIO()
    # The form's first font as the canvas's initial one: no Helvetica resource in the file.
    first_font = next(piece.font for page in plan for line in page.lines for piece in line.pieces)
    canvas = Canvas(buffer, pageCompression=1, initialFontName=first_font)
    canvas.setTitle(title)
    canvas.setAuthor("")
    canvas.setSubject("")
    canvas.setCreator("QAC")
    canvas.setProducer("QAC")
    for page in plan:
        canvas.setPageSize((page.width, page.height))
        _draw_rules(canvas, page)
        # The page's text as one text object in reading order, as WeasyPrint's lines follow each other.
        text_object = canvas.beginText()
        for line in page.lines:
            _draw_line(text_object, page, line, split)
        canvas.drawText(text_object)
        if page.qr and qr:
            x, top, w, h = page.qr
            canvas.drawImage(_qr_image(qr), x, page.height - top - h, w, h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_rules(canvas, page: PagePlan) -> None:
    for x1, y1, x2, y2, w in page.rules:
        canvas.setLineWidth(w)
        canvas.line(x1, page.height - y1, x2, page.height - y2)


def _draw_line(text_object, page: PagePlan, line: Line, split: dict[str, list[str]]) -> None:
    texts = []
    for piece in line.pieces:
        if piece.field:
            lines = split[piece.field]
            text = lines[piece.line] if piece.line < len(lines) else ""
            texts.append((piece, text, width(text, piece.font, piece.size)))
        else:
            texts.append((piece, piece.text, piece.width))
    total = sum(w - p.width for p, _t, w in texts)
    shift = {"center": -total / 2, "right": -total}.get(line.align, 0.0)
    y = page.height - line.baseline
    for piece, text, used in texts:
        if text:
            text_object.setFont(piece.font, piece.size)
            text_object.setTextOrigin(piece.x + shift, y)
            text_object.textOut(text)
        shift += used - piece.width
