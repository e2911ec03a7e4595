"""Building the service's XML documents (OAI-PMH, Atom, sitemap) with their own namespace maps, always well-formed."""
from __future__ import annotations

import re
from typing import Any, Mapping

from lxml import etree

# Characters XML 1.0 cannot carry; stored text should hold none, but a document must never break on one.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value: Any) -> str:
    return NOT_XML.sub("\ufffd", str(value))


def document(tag: str, nsmap: Mapping[str | None, str], attrs: Mapping[str, Any] | None = None) -> etree._Element:
    """The root element; `nsmap` names the prefixes (None: the default namespace)."""
    return etree.Element(tag, {k: clean(v) for k, v in (attrs or {}).items()}, nsmap=dict(nsmap))


def sub(parent: etree._Element, tag: str, text: Any = None, attrs: Mapping[str, Any] | None = None,
        nsmap: Mapping[str | None, str] | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: clean(v) for k, v in (attrs or {}).items()},
                               nsmap=dict(nsmap) if nsmap else None)
    if text is not None:
        element.text = clean(text)
    return element


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)
