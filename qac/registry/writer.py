"""The registry export's files, written at the speed of the query: XML as escaped text, CSV, the XSD check beside.

What the writer does per record is Python, so it does little: each value is formatted once
(dates from a small cache), the XML record is one f-string with the values escaped as
libxml2 escapes them (the bytes are those lxml's ``xmlfile`` wrote before; a test pins it),
and the XSD validation runs in a second process (``python -m qac.registry.xsd_check``) fed
through a pipe while the files are being written, so the two cores share the work. The
caller marks nothing until ``Validator.close()`` has said the whole file is valid.

The export is made of *sections*: each knows its pending rows, the problems that hold a
record back, its XML element and its CSV row. ``write_export`` walks them in order; a new
kind of record (the appeals of 649n p.15, say) is one more ``Section`` in the list the
caller passes.
"""

from __future__ import annotations

import csv
import datetime
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from candidates.validators import format_snils
from qac.exports import spreadsheet_safe

from .xsd_check import check_chunks

# Records are handed to the files and the validator in slices of this many.
FLUSH_EVERY = 2000
# Up to this many bytes the check runs in this process: a second interpreter costs more than it saves.
IN_PROCESS_BYTES = 2 << 20

_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')


def text(value) -> str:
    """Element text escaped as libxml2 serialises it (most values need nothing: one search says so)."""
    value = str(value)
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attr(value) -> str:
    """An attribute value escaped as libxml2 serialises it (double quotes around it)."""
    value = str(value)
    if _ATTR_SPECIAL.search(value) is None:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


class _Dates(dict):
    """ISO and dd.mm.yyyy forms of each date, computed once: a batch holds few distinct dates."""

    def __missing__(self, day: datetime.date) -> tuple[str, str]:
        value = (day.isoformat(), day.strftime("%d.%m.%Y"))
        self[day] = value
        return value


DATES = _Dates()


def iso(day: datetime.date | None) -> str:
    return DATES[day][0] if day else ""


def ru(day: datetime.date | None) -> str:
    return DATES[day][1] if day else ""


def snils(digits: str) -> str:
    return format_snils(digits)


@dataclass
class Section:
    """One part of the export: where its records come from and how each is checked and written.

    ``sources()`` gives (record type, rows) pairs in export order; ``problems(type, row)`` the
    reasons a record is held back (empty: written); ``record(type, row, qac)`` the record's XML
    element as text and its CSV cells (each value formatted once for both; None: no CSV line); ``key(row)`` what
    marks it as reported.
    """

    name: str
    sources: Callable[[], Iterable[tuple[str, Iterable[dict]]]]
    problems: Callable[[str, dict], list[str]]
    record: Callable[[str, dict, str], tuple[str, list]]
    # The CSV cells people type (names, reasons): the only ones a spreadsheet could take for a formula.
    typed_cells: tuple[int, ...] = ()
    key: Callable[[dict], int] = lambda row: row["pk"]


@dataclass
class Written:
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)
    marks: list[tuple[int, str]] = field(default_factory=list)


def header_xml(attributes: dict[str, str]) -> str:
    attrs = "".join(f' {name}="{attr(value)}"' for name, value in attributes.items())
    return f"<?xml version='1.0' encoding='utf-8'?>\n<registryExport{attrs}>"


def write_export(
    xml_path: Path,
    csv_path: Path,
    *,
    root: dict[str, str],
    columns: list[str],
    sections: list[Section],
    qac: str,
    validator: Validator,
) -> Written:
    """Write both files and feed the validator; returns what was written and held back (nothing marked)."""
    done = Written()
    with open(xml_path, "wb") as xml_out, open(csv_path, "w", encoding="utf-8-sig", newline="") as csv_out:
        writer = csv.writer(csv_out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(columns)
        pending = [header_xml(root)]

        def flush():
            data = "".join(pending).encode()
            xml_out.write(data)
            validator.feed(data)
            pending.clear()

        for section in sections:
            for record_type, rows in section.sources():
                csv_rows = []
                for row in rows:
                    problems = section.problems(record_type, row)
                    if problems:
                        done.skipped.append(
                            {"document": section.key(row), "type": record_type, "reason": "; ".join(problems)}
                        )
                        continue
                    xml, cells = section.record(record_type, row, qac)
                    pending.append(xml)
                    if cells is not None:  # a section with no CSV line (the appeals' list) gives None
                        for index in section.typed_cells:
                            cells[index] = spreadsheet_safe(cells[index])
                        csv_rows.append(cells)
                    done.marks.append((section.key(row), record_type))
                    if len(pending) >= FLUSH_EVERY:
                        writer.writerows(csv_rows)
                        csv_rows.clear()
                        flush()
                writer.writerows(csv_rows)
        pending.append("</registryExport>")
        flush()
    for _pk, record_type in done.marks:
        done.counts[record_type] = done.counts.get(record_type, 0) + 1
    return done


class Validator:
    """The XSD check of a file as it is written: in this process for a small file, in a second one for a large.

    ``feed`` the bytes in order, then ``close()``: it returns None when the document is valid,
    else the schema's message. The first ``IN_PROCESS_BYTES`` are kept; past them a child
    process (``python -m qac.registry.xsd_check SCHEMA``) is started and fed everything.
    """

    def __init__(self, schema_path: Path):
        self.schema_path = schema_path
        self.head: list[bytes] = []
        self.size = 0
        self.child: subprocess.Popen | None = None
        self.broken = False

    def feed(self, data: bytes) -> None:
        if self.child is None:
            self.head.append(data)
            self.size += len(data)
            if self.size <= IN_PROCESS_BYTES:
                return
            self.child = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
                [sys.executable, "-m", "qac.registry.xsd_check", str(self.schema_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            data, self.head = b"".join(self.head), []
        if not self.broken:
            try:
                self.child.stdin.write(data)
            except BrokenPipeError:
                self.broken = True  # the child stopped at the first error: close() reads it

    def close(self) -> str | None:
        if self.child is None:
            return check_chunks(self.schema_path, self.head)
        out, err = self.child.communicate()  # closes its standard input: the end of the document
        if self.child.returncode == 0:
            return None
        return (out or err).decode("utf-8", "replace").strip() or f"the schema check exited {self.child.returncode}"

    def abort(self) -> None:
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.communicate()
