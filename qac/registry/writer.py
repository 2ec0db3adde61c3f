"""The registry export's files, written at the speed of the query: XML as escaped text, CSV, the XSD check beside.

What the writer does per record is Python, so it does little: each value is formatted once
(dates from a small cache), the XML record is text with the values escaped as libxml2
escapes them (the bytes are those lxml's ``xmlfile`` wrote before; a test pins it), and the
XSD validation runs in a second process (``python qac/registry/xsd_check.py``) fed through a
pipe by a thread while the files are being written, so the two cores share the work. The
caller marks nothing until ``Validator.close()`` has said the whole file is valid.

The export is made of *sections*: each knows its pending rows and turns each into its XML
element and CSV line, or holds it back with the reasons. ``write_export`` walks them in
order; a new kind of record (the appeals of 649n p.15, say) is one more ``Section`` in the
list the caller passes.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import fcntl
import queue
import re
import subprocess
import sys
import threading
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
# The pipe to the check holds a slice or so (the default is 64 KB).
PIPE_BYTES = 1 << 20

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


class _DateBytes(dict):
    """The same, encoded, for records written as bytes."""

    def __missing__(self, day: datetime.date) -> tuple[bytes, bytes]:
        value = self[day] = (DATES[day][0].encode(), DATES[day][1].encode())
        return value


DATES = _Dates({None: ("", "")})
DATE_BYTES = _DateBytes()


def iso(day: datetime.date | None) -> str:
    return DATES[day][0] if day else ""


def ru(day: datetime.date | None) -> str:
    return DATES[day][1] if day else ""


def snils(digits: str) -> str:
    return format_snils(digits)


@dataclass
class Section:
    """One part of the export: where its records come from and how each is checked and written.

    ``sources()`` gives (record type, rows) pairs in export order; ``records(type, rows, qac)``
    gives for each row ``(key, XML element, CSV line, "")`` when it is written (the CSV line
    None for a section with no CSV line) or ``(key, "", None, reasons)`` when it is held back;
    ``key`` is what marks it as reported.
    """

    name: str
    sources: Callable[[], Iterable[tuple[str, Iterable]]]
    records: Callable[[str, Iterable, str], Iterable[tuple[int, bytes, bytes | None, str]]]


@dataclass
class Written:
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)
    #: record type -> the keys written, in order
    marks: dict[str, list[int]] = field(default_factory=dict)


class _Line(list):
    """Where ``csv_line``'s writer puts its one line."""

    write = list.append


def csv_line(cells: list, typed_cells: Iterable[int] = ()) -> str:
    """One CSV line of the export's dialect; the cells people type are kept from becoming formulas."""
    for index in typed_cells:
        cells[index] = spreadsheet_safe(cells[index])
    line = _Line()
    csv.writer(line, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(cells)
    return "".join(line)


def header_xml(attributes: dict[str, str]) -> str:
    attrs = "".join(f' {name}="{attr(value)}"' for name, value in attributes.items())
    return f"<?xml version='1.0' encoding='utf-8'?>\n<registryExport{attrs}>"


def _closing(things):
    return contextlib.closing(things) if hasattr(things, "close") else contextlib.nullcontext()


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
    """Write both files (UTF-8, the CSV with a BOM) and feed the validator; returns what was written and held
    back (nothing marked)."""
    done = Written()
    with open(xml_path, "wb") as xml_out, open(csv_path, "wb") as csv_out:
        csv_out.write(codecs.BOM_UTF8 + csv_line(list(columns)).encode())
        xml, lines = [header_xml(root).encode()], []

        def flush():
            data = b"".join(xml)
            xml_out.write(data)
            validator.feed(data)
            csv_out.write(b"".join(lines))
            xml.clear()
            lines.clear()

        for section in sections:
            # Sources and rows are closed however the loop ends: a query still streaming holds the
            # connection, so even the rollback after an error would wait for it.
            with _closing(sources := iter(section.sources())):
                for record_type, rows in sources:
                    with _closing(rows):
                        keys = done.marks.setdefault(record_type, [])
                        add_xml, add_line, mark = xml.append, lines.append, keys.append
                        for key, element, line, held in section.records(record_type, rows, qac):
                            if held:
                                done.skipped.append({"document": key, "type": record_type, "reason": held})
                                continue
                            add_xml(element)
                            if line is not None:
                                add_line(line)
                            mark(key)
                            if len(xml) >= FLUSH_EVERY:
                                flush()
        xml.append(b"</registryExport>")
        flush()
    done.marks = {record_type: keys for record_type, keys in done.marks.items() if keys}
    done.counts = {record_type: len(keys) for record_type, keys in done.marks.items()}
    return done


class Validator:
    """The XSD check of a file as it is written: in this process for a small file, in a second one for a large.

    ``feed`` the bytes in order, then ``close()``: it returns None when the document is valid,
    else the schema's message. The first ``IN_PROCESS_BYTES`` are kept; past them a child
    process (``python qac/registry/xsd_check.py SCHEMA``) is started and fed everything by a
    thread of this process, so the export never waits on the pipe while the check catches up
    (at most ``QUEUED`` slices wait in between, which bounds the memory).
    """

    QUEUED = 8

    def __init__(self, schema_path: Path):
        self.schema_path = schema_path
        self.head: list[bytes] = []
        self.size = 0
        self.child: subprocess.Popen | None = None
        self.queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUED)
        self.feeder: threading.Thread | None = None

    def feed(self, data: bytes) -> None:
        if self.child is None:
            self.head.append(data)
            self.size += len(data)
            if self.size <= IN_PROCESS_BYTES:
                return
            self._start()
            data, self.head = b"".join(self.head), []
        self.queue.put(data)

    def _start(self) -> None:
        # The module as a script, not ``-m qac.registry.xsd_check``: importing the package loads Celery.
        self.child = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
            [sys.executable, str(Path(__file__).with_name("xsd_check.py")), str(self.schema_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        with contextlib.suppress(AttributeError, OSError):  # Linux only; capped by /proc/sys/fs/pipe-max-size
            fcntl.fcntl(self.child.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self.feeder = threading.Thread(target=self._pump, name="registry-xsd-feed", daemon=True)
        self.feeder.start()

    def _pump(self) -> None:
        """The feeding thread: writes what ``feed`` queued to the child until None comes."""
        broken = False
        while (data := self.queue.get()) is not None:
            if broken:
                continue  # the child stopped at the first error (close() reads it); keep draining the queue
            try:
                self.child.stdin.write(data)
            except (OSError, ValueError):
                broken = True

    def _stop_feeding(self) -> None:
        if self.feeder is not None:
            self.queue.put(None)
            self.feeder.join()
            self.feeder = None

    def close(self) -> str | None:
        if self.child is None:
            return check_chunks(self.schema_path, self.head)
        self._stop_feeding()
        out, err = self.child.communicate()  # closes its standard input: the end of the document
        if self.child.returncode == 0:
            return None
        return (out or err).decode("utf-8", "replace").strip() or f"the schema check exited {self.child.returncode}"

    def abort(self) -> None:
        if self.child is not None:
            if self.child.poll() is None:
                self.child.kill()
            self._stop_feeding()
            self.child.communicate()
