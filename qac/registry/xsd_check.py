"""The registry export's XSD check, streamed: in the exporting process or as ``python -m qac.registry.xsd_check``.

As a program it reads the XML on standard input while the export writes it (writer.Validator)
and exits 0 when the document is valid, or 1 with the schema's message on standard output.
It needs lxml only, not Django, so it starts in a fraction of a second.
"""

import sys
from collections.abc import Iterable
from pathlib import Path

from lxml import etree


def check_chunks(schema_path: Path | str, chunks: Iterable[bytes]) -> str | None:
    """None if the bytes, in order, are a document valid against the schema; else why not."""
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    parser = etree.XMLPullParser(events=("end",), tag="record", schema=schema, huge_tree=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _event, element in parser.read_events():
                # Records already checked are dropped, so memory stays flat however long the file.
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        parser.close()
    except etree.XMLSyntaxError as exc:
        return str(exc)
    return None


def main() -> int:
    error = check_chunks(sys.argv[1], iter(lambda: sys.stdin.buffer.read(1 << 20), b""))
    if error:
        sys.stdout.write(error + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
