"""GeoReport v2's two formats: the same list of records as JSON, or as XML under the spec's element names."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from fastapi import Response

from api.edge.errors import ApiError
from timekeeping.tehran import to_tehran

FORMATS = ("json", "xml")


class Open311Error(ApiError):
    """An error the router renders as the spec's error list, with the HTTP status as each error's code."""


# What XML 1.0 does not allow in a document at all, escaped or not (its `Char` production): the C0 controls but
# tab, newline and carriage return, the surrogates, U+FFFE and U+FFFF. ElementTree copies them through, and the
# document no client can parse; an error that quotes the input (`%01`) would be one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """The text with what XML 1.0 forbids replaced by U+FFFD, so the document stays well-formed."""
    return _NOT_XML.sub("\ufffd", value)


def w3c(value: datetime | None) -> str | None:
    """A W3C datetime in Tehran time, e.g. 2026-11-23T14:05:00+03:30."""
    return to_tehran(value).isoformat(timespec="seconds") if value is not None else None


def _xml_value(parent: ET.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            if inner is not None:
                _xml_value(element, key, inner, item_tags)
    elif isinstance(value, list):
        for inner in value:
            _xml_value(element, item_tags[tag], inner, item_tags)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = xml_text(str(value))


def render(
    fmt: str,
    records: Any,
    *,
    root: str,
    item: str | None = None,
    item_tags: dict[str, str] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON as is; XML as <root> with one <item> per record (or root itself for a single record).

    `item_tags` names the children of nested lists (attributes -> attribute, values -> value)."""
    if fmt == "json":
        body = json.dumps(_drop_none(records), ensure_ascii=False)
        return Response(body, status_code=status_code, media_type="application/json", headers=headers)
    tags = {root: item or root, **(item_tags or {})}
    if isinstance(records, list):
        top = ET.Element(root)
        for record in records:
            _xml_value(top, tags[root], record, tags)
    else:
        holder = ET.Element("holder")
        _xml_value(holder, root, records, tags)
        top = holder[0]
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status_code, media_type="text/xml; charset=utf-8", headers=headers)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def error_response(
    fmt: str, status_code: int, descriptions: list[str], headers: dict[str, str] | None = None
) -> Response:
    errors = [{"code": status_code, "description": d} for d in descriptions]
    return render(
        fmt if fmt in FORMATS else "json", errors, root="errors", item="error", status_code=status_code, headers=headers
    )
