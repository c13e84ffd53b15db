"""Every list endpoint's query parameters, sent the values that broke pages before (issue 13 item 5).

test_schemathesis.py generates values that fit the schema (an integer for ``year``, a date for
``updated_since``, any text for ``cursor``), so it rarely sends a decodable cursor with a bad position, a
superscript digit or a year beyond the calendar. This test sends exactly those, to every GET operation of
the schema that reads the parameter: no 500, and a refusal is the API's error shape.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from tests.api.conftest import client_for, populate

CURSORS = ["cD1hYmM=", "cD0lMDA=", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "!!!"]
INTEGERS = ["²", "99999999999999999999", "-1", "1e400", "abc", "\x00"]
DATES = ["9999-12-31", "0001-01-01", "2024-02-30", "²", "9999-12-31T23:59:59+99:00", "\x00"]
TEXT = ["\x00", "' OR 1=1 --", "²"]


def _cases() -> list[tuple[str, str, list[str]]]:
    """(path, parameter, values): every operation for the parameters that broke before, one per other name."""
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    cases: list[tuple[str, str, list[str]]] = []
    seen: set[tuple[str, str | None]] = set()
    for path, item in schema["paths"].items():
        op = item.get("get")
        if not op or "{" in path:
            continue
        for p in op.get("parameters", []):
            if p["in"] != "query":
                continue
            name, kind, fmt = p["name"], p["schema"].get("type"), p["schema"].get("format")
            if name == "cursor":
                cases.append((path, name, CURSORS))
            elif fmt in ("date", "date-time"):
                cases.append((path, name, DATES))
            elif name in ("year", "month", "as_of"):
                cases.append((path, name, INTEGERS + DATES))
            elif (name, kind) not in seen:
                seen.add((name, kind))
                cases.append((path, name, INTEGERS if kind == "integer" else TEXT))
    return cases


def test_tricky_query_values_never_answer_500(world: Any) -> None:
    # given every row type in one pairing and commission staff on the API
    populate(world.pairing_a)
    client = client_for(world.users["province"])
    cases = _cases()
    assert len(cases) > 80
    failures = []
    # when each parameter is sent each tricky value
    for path, name, values in cases:
        for value in values:
            response = client.get(path, {name: value})
            # then the answer is a page or a 4xx in the error shape, never a server error
            if response.status_code >= 500 or (
                response.status_code >= 400 and "error" not in response.json()
            ):
                failures.append(f"{path}?{name}={value!r} → {response.status_code}")
    assert not failures, "\n".join(failures[:30])
