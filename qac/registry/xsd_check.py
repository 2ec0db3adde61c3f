"""The registry export's XSD check, streamed: in the exporting process or as ``python qac/registry/xsd_check.py``.

As a program it reads the XML on standard input while the export writes it (writer.Validator)
and exits 0 when the document is valid, or 1 with the schema's message on standard output.
It needs lxml only, not Django, so it starts in a fraction of a second; it is run as a
script (not ``-m qac.registry...``), so not even the ``qac`` package (and Celery) is imported.
"""

import sys
from collections.abc import Iterable
from pathlib import Path

from lxml import etree


def check_chunks(schema_path: Path | str, chunks: Iterable[bytes]) -> str | None:
    """None if the bytes, in order, are a document valid against the schema; else why not."""
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    # The only event asked for is the root's start; the schema checks each element as it is parsed.
    parser = etree.XMLPullParser(events=("start",), tag="registryExport", schema=schema, huge_tree=True)
    root = None
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _event, element in parser.read_events():
                root = element
            # The records already parsed are dropped, so memory stays flat however long the file;
            # the last one may still be being parsed, so it stays.
            if root is not None and len(root) > 1:
                del root[:-1]
        parser.close()
    except etree.XMLSyntaxError as exc:
        return str(exc)
    return None


def main() -> int:
    # read1: whatever the pipe holds now, so the check keeps pace with the writer instead of waiting for a full slice.
    error = check_chunks(sys.argv[1], iter(lambda: sys.stdin.buffer.read1(1 << 17), b""))
    if error:
        sys.stdout.write(error + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
