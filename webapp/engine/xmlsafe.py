"""XML parsing with external entities, DTD loading and network access disabled."""

from __future__ import annotations

from lxml import etree

_REFUSAL = "DOCTYPE/ENTITY declarations are not allowed in diagrams; remove the <!DOCTYPE ...> block"


class UnsafeXmlError(ValueError):
    """The document declares a DTD or entities, which uploaded diagrams may not do."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(content: bytes, filename: str) -> etree._Element:
    """Parse untrusted XML; refuse any DOCTYPE (XXE, billion laughs) with a clear message."""
    head = content.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise UnsafeXmlError(f"{filename}: {_REFUSAL}")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        where = f" line {line}" if line else ""
        raise ValueError(f"{filename}{where}: XML does not parse: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError(f"{filename}: {_REFUSAL}")
    return root
