#!/usr/bin/env python3
"""Checks docs/asyncapi.yaml against the code's event catalogue (`precinct catalogue`).

Run by `make catalogue-check` with .build/pyenv/bin/python (scripts/pyenv.sh). It fails when:
  - the document is inconsistent: a $ref that does not resolve, a channel whose address names a
    parameter it does not declare, a channel without exactly one of the tags integrator/internal,
    an operation or message that points nowhere;
  - the code and the document disagree: a catalogue type with no message `<type>.v<version>`, a
    message with no Swift type (unless rendered from one, like cap.enterprise, or retired), an
    example topic that does not match its channel's address, a publisher that is not one of the
    channel's servers;
  - an example header or payload does not validate against its schema (JSON Schema draft-07,
    every object closed), a schema's `required` differs from what the Swift decoder needs, or a
    schema field is never exercised by an example (so a field documented but not sent fails too);
  - the CloudEvents 1.0 mapping (docs/integrators.md) is not what the Swift code produces, is not
    one to one, or is not valid CloudEvents for the CloudEvents SDK;
  - the versioning rules (docs/integrators.md, "Versioning") are broken against the committed lock
    docs/schemas.lock.json, or the lock is not up to date (`--update-lock` brings it up to date
    with new versions and additive changes, and refuses breaking ones).
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

ROOT = Path(__file__).resolve().parent.parent

# Policy: the only channels integrators may see. Changing it is a decision, so it lives here
# (support.request and handoff.12345 added by issue 19; handoff.12345 is for the 12345 platform's key alone).
INTEGRATOR_CHANNELS = {"alert.enterprise", "cap.enterprise", "support.request", "handoff.12345"}
AUDIENCE_TAGS = {"integrator", "internal"}

# The CloudEvents mapping (Shared/Bus/CloudEvent.swift; docs/integrators.md, "Message format").
CE_SOURCE_PREFIX = "/precinct/"
CE_DATASCHEMA_PREFIX = "urn:precinct:asyncapi:"
CE_EXTENSIONS = {"epoch": "precinctepoch", "seq": "precinctseq", "correlationId": "correlationid", "causationId": "causationid"}

# Schema keywords that only document; they may change freely within a version.
DOC_KEYWORDS = {"description", "title", "examples", "externalDocs", "$comment"}

TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Problems:
    """Collects every problem, so one run reports them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")

    def expect(self, condition: bool, where: str, what: str) -> bool:
        if not condition:
            self.add(where, what)
        return condition


# ---- the document ---------------------------------------------------------------------------

def pointer(doc: dict, ref: str):
    """Resolves an internal reference (`#/a/b`), or raises KeyError."""
    if not ref.startswith("#/"):
        raise KeyError(f"only internal references are used here, got {ref!r}")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def walk_refs(node, path: str = "#"):
    """Yields (where, ref) for every $ref in the document."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield path, node["$ref"]
        for key, value in node.items():
            yield from walk_refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_refs(value, f"{path}/{i}")


def deref(doc: dict, schema, seen: tuple = ()):
    """The schema with every $ref inlined. Keywords beside a $ref (a property's own description)
    override the referenced schema's. Cycles are refused: payloads are trees."""
    if isinstance(schema, list):
        return [deref(doc, s, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise ValueError(f"recursive schema through {ref}")
        merged = copy.deepcopy(deref(doc, pointer(doc, ref), seen + (ref,)))
        merged.update({k: deref(doc, v, seen) for k, v in schema.items() if k != "$ref"})
        return merged
    return {k: deref(doc, v, seen) for k, v in schema.items()}


def strip_docs(schema):
    """The schema without documentation keywords: what the lock compares."""
    if isinstance(schema, list):
        return [strip_docs(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in DOC_KEYWORDS:
            continue
        out[key] = {k: strip_docs(v) for k, v in value.items()} if key == "properties" else strip_docs(value)
    return out


def address_regex(address: str, parameters: dict) -> re.Pattern:
    """`dispatch.field.{stage}.{regionId}` as a regex; a parameter with an enum matches only those."""
    out, last = "", 0
    for m in re.finditer(r"\{([^}]+)\}", address):
        out += re.escape(address[last:m.start()])
        enum = (parameters.get(m.group(1)) or {}).get("enum")
        out += "(?:" + "|".join(re.escape(v) for v in enum) + ")" if enum else "[^.]+"
        last = m.end()
    return re.compile("^" + out + re.escape(address[last:]) + "$")


def tag_names(node: dict) -> set[str]:
    return {t.get("name") for t in node.get("tags", []) if isinstance(t, dict)}


def check_document(doc: dict, p: Problems) -> dict:
    """Structural checks. Returns {message key: channel name}."""
    p.expect(doc.get("asyncapi") == "3.0.0", "asyncapi", "must be 3.0.0")
    for where, ref in walk_refs(doc):
        try:
            pointer(doc, ref)
        except (KeyError, TypeError):
            p.add(where, f"$ref {ref} does not resolve")

    message_channel: dict[str, str] = {}
    servers = doc.get("servers", {})
    for name, channel in doc.get("channels", {}).items():
        where = f"channels.{name}"
        address = channel.get("address", "")
        p.expect(address == name or address.startswith(name + "."), where, f"address {address!r} does not start with the channel's type {name!r}")
        named = set(re.findall(r"\{([^}]+)\}", address))
        declared = set(channel.get("parameters", {}))
        p.expect(named == declared, where, f"address parameters {sorted(named)} differ from declared parameters {sorted(declared)}")
        audience = tag_names(channel) & AUDIENCE_TAGS
        p.expect(len(audience) == 1, where, f"needs exactly one of the tags {sorted(AUDIENCE_TAGS)}, has {sorted(audience)}")
        expected = "integrator" if name in INTEGRATOR_CHANNELS else "internal"
        p.expect(audience == {expected}, where, f"must be tagged {expected!r} (integrator channels: {sorted(INTEGRATOR_CHANNELS)})")
        p.expect(bool(channel.get("servers")), where, "names no server")
        for server in channel.get("servers", []):
            ref = server.get("$ref", "")
            p.expect(ref.startswith("#/servers/") and ref[len("#/servers/"):] in servers, where, f"server {ref} is not a server")
        for key, message in channel.get("messages", {}).items():
            p.expect(message.get("$ref") == f"#/components/messages/{key}", where, f"message {key} must be $ref #/components/messages/{key}")
            p.expect(key not in message_channel, where, f"message {key} is on two channels")
            message_channel[key] = name

    operated = set()
    for name, op in doc.get("operations", {}).items():
        where = f"operations.{name}"
        p.expect(op.get("action") == "send", where, "the services send: action must be send")
        ref = op.get("channel", {}).get("$ref", "")
        channel = ref[len("#/channels/"):] if ref.startswith("#/channels/") else None
        if not p.expect(channel in doc.get("channels", {}), where, f"channel {ref} is not a channel"):
            continue
        operated.add(channel)
        for message in op.get("messages", []):
            p.expect(message.get("$ref", "").startswith(f"#/channels/{channel}/messages/"), where, f"message {message} is not a message of {channel}")
    for name in doc.get("channels", {}):
        p.expect(name in operated, f"channels.{name}", "has no operation")

    header = doc.get("components", {}).get("schemas", {}).get("EventHeader")
    p.expect(header is not None, "components.schemas", "has no EventHeader")
    for key, message in doc.get("components", {}).get("messages", {}).items():
        where = f"components.messages.{key}"
        m = re.fullmatch(r"(.+)\.v([1-9][0-9]*)", key)
        if not p.expect(m is not None, where, "key must be <type>.v<version>"):
            continue
        p.expect(message.get("name") == m.group(1), where, f"name must be the type {m.group(1)!r}")
        p.expect(message.get("headers") == {"$ref": "#/components/schemas/EventHeader"}, where, "headers must be $ref EventHeader")
        p.expect("payload" in message, where, "has no payload")
        channel = message_channel.get(key)
        if p.expect(channel is not None, where, "is on no channel"):
            p.expect(channel == m.group(1), where, f"is on channel {channel}, not on its type's channel {m.group(1)}")
            p.expect(tag_names(message) & AUDIENCE_TAGS == tag_names(doc["channels"][channel]) & AUDIENCE_TAGS, where, "audience tag differs from its channel's")
    return message_channel


# ---- examples against schemas ---------------------------------------------------------------

def format_checker() -> jsonschema.FormatChecker:
    """date-time checked here rather than through an optional package jsonschema may not have."""
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        if not TIME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    return checker


def validate(schema: dict, instance, where: str, p: Problems) -> None:
    validator = jsonschema.Draft7Validator(schema, format_checker=format_checker())
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(x) for x in error.absolute_path) or "(root)"
        p.add(where, f"{path}: {error.message}")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compare_with_code(schema: dict, value, code_required: set[str], where: str, p: Problems, path: str = "", seen: set[str] | None = None) -> None:
    """Walks schema and example together: at each object the schema's `required` must be exactly
    the fields the decoder cannot do without; `seen` collects every path the example exercises."""
    if seen is not None:
        seen.add(path)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        required = set(schema.get("required", []))
        needed = {k for k in props if join(path, k) in code_required}
        for key in sorted(needed - required):
            p.add(where, f"{join(path, key)} is non-optional in Swift but not required in the schema")
        for key in sorted(required - needed):
            p.add(where, f"{join(path, key)} is required in the schema but optional in Swift")
        for key, child in value.items():
            if key in props:
                compare_with_code(props[key], child, code_required, where, p, join(path, key), seen)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for element in value:
            compare_with_code(schema["items"], element, code_required, where, p, path + "[]", seen)


def schema_paths(schema: dict, path: str = "") -> set[str]:
    """Every field path a schema documents."""
    out = {path}
    for key, child in schema.get("properties", {}).items():
        out |= schema_paths(child, join(path, key))
    if isinstance(schema.get("items"), dict):
        out |= schema_paths(schema["items"], path + "[]")
    return out


# ---- CloudEvents ----------------------------------------------------------------------------

def cloud_event_attributes(header: dict, topic: str, content_type: str) -> dict[str, str]:
    """The documented mapping, written independently of the Swift one so each checks the other."""
    attributes = {
        "specversion": "1.0",
        "id": header["id"],
        "source": CE_SOURCE_PREFIX + header["source"],
        "type": header["type"],
        "time": header["time"],
        "datacontenttype": content_type,
        "dataschema": f"{CE_DATASCHEMA_PREFIX}{header['type']}.v{header['version']}",
        CE_EXTENSIONS["epoch"]: header["epoch"],
        CE_EXTENSIONS["seq"]: str(header["seq"]),
    }
    prefix = header["type"] + "."
    if topic.startswith(prefix) and len(topic) > len(prefix):
        attributes["subject"] = topic[len(prefix):]
    for field in ("correlationId", "causationId"):
        if field in header:
            attributes[CE_EXTENSIONS[field]] = header[field]
    return attributes


def header_from_cloud_event(attributes: dict) -> tuple[dict, str | None]:
    """The inverse: the header (and routing key) back from the attributes, to prove one to one."""
    schema = attributes["dataschema"]
    m = re.fullmatch(re.escape(CE_DATASCHEMA_PREFIX) + r"(.+)\.v([0-9]+)", schema)
    if not m or m.group(1) != attributes["type"]:
        raise ValueError(f"dataschema {schema!r} does not name {attributes['type']}.v<version>")
    time = attributes["time"]
    header = {
        "id": attributes["id"],
        "type": attributes["type"],
        "version": int(m.group(2)),
        "source": attributes["source"].removeprefix(CE_SOURCE_PREFIX),
        "epoch": attributes[CE_EXTENSIONS["epoch"]],
        "seq": int(attributes[CE_EXTENSIONS["seq"]]),
        "time": time if isinstance(time, str) else time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    for field in ("correlationId", "causationId"):
        if CE_EXTENSIONS[field] in attributes:
            header[field] = attributes[CE_EXTENSIONS[field]]
    return header, attributes.get("subject")


def check_cloud_event(attributes: dict[str, str], header: dict, topic: str, data, messages: dict, where: str, p: Problems) -> None:
    """The attributes are valid CloudEvents 1.0 (SDK validation plus the spec's own rules the SDK
    leaves out), survive the HTTP binding both ways, and give the header back."""
    for name in attributes:
        p.expect(re.fullmatch(r"[a-z0-9]{1,20}", name) is not None, where, f"CloudEvents attribute name {name!r} is not 1-20 lowercase letters or digits")
    p.expect(urlsplit(attributes["source"]).path == attributes["source"], where, f"source {attributes['source']!r} is not a plain URI reference")
    schema_uri = urlsplit(attributes["dataschema"])
    p.expect(bool(schema_uri.scheme), where, f"dataschema {attributes['dataschema']!r} is not an absolute URI")
    key = attributes["dataschema"].removeprefix(CE_DATASCHEMA_PREFIX)
    p.expect(key in messages, where, f"dataschema {attributes['dataschema']!r} names no message of docs/asyncapi.yaml")
    p.expect(TIME_PATTERN.match(attributes["time"]) is not None, where, f"time {attributes['time']!r} is not RFC 3339")
    try:
        sdk_attributes = dict(attributes, time=datetime.fromisoformat(attributes["time"].replace("Z", "+00:00")))
        event = CloudEvent(sdk_attributes, data)
        fmt = JSONFormat()
        for binding in (ce_http.to_structured, ce_http.to_binary):
            again = ce_http.from_http(binding(event, fmt), fmt)
            got = dict(again.get_attributes())
            p.expect(got == sdk_attributes, where, f"{binding.__name__} round trip changed the attributes: {got} != {sdk_attributes}")
            p.expect(again.get_data() == data, where, f"{binding.__name__} round trip changed the data")
        back, subject = header_from_cloud_event(dict(again.get_attributes()))
        p.expect(back == header, where, f"the header does not come back from its CloudEvent: {back} != {header}")
        p.expect((header["type"] + "." + subject if subject else header["type"]) == topic, where, "the topic does not come back from type and subject")
    except Exception as error:  # the SDK's validation errors, and any mapping failure
        p.add(where, f"not a valid CloudEvent: {error}")


# ---- versioning -----------------------------------------------------------------------------

def schema_changes(old, new, path: str = "") -> tuple[list[str], list[str]]:
    """(breaking, additive) differences between two doc-stripped, dereferenced schemas.

    Additive: a new optional property (at any depth). Breaking: a property removed (a rename is a
    removal and an addition); a new required property; a property that becomes required or stops
    being required; any change of another keyword (type, enum, format, pattern, const, bounds,
    items, additionalProperties ...)."""
    breaking: list[str] = []
    additive: list[str] = []
    where = path or "(root)"
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            breaking.append(f"{where}: changed from {json.dumps(old)} to {json.dumps(new)}")
        return breaking, additive
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for key in sorted(old_props.keys() - new_props.keys()):
        breaking.append(f"{join(path, key)}: property removed")
    for key in sorted(new_props.keys() - old_props.keys()):
        if key in new_req:
            breaking.append(f"{join(path, key)}: new property is required")
        else:
            additive.append(f"{join(path, key)}: optional property added")
    for key in sorted(old_props.keys() & new_props.keys()):
        if (key in old_req) != (key in new_req):
            breaking.append(f"{join(path, key)}: {'became required' if key in new_req else 'no longer required'}")
        b, a = schema_changes(old_props[key], new_props[key], join(path, key))
        breaking += b
        additive += a
    if "items" in old or "items" in new:
        b, a = schema_changes(old.get("items"), new.get("items"), path + "[]")
        breaking += b
        additive += a
    for keyword in sorted((old.keys() | new.keys()) - {"properties", "required", "items"}):
        if old.get(keyword) != new.get(keyword):
            if keyword == "type":
                breaking.append(f"{where}: retyped from {json.dumps(old.get(keyword))} to {json.dumps(new.get(keyword))}")
            else:
                breaking.append(f"{where}: {keyword} changed from {json.dumps(old.get(keyword))} to {json.dumps(new.get(keyword))}")
    return breaking, additive


def check_lock(current: dict[str, dict], lock_path: Path, update: bool, p: Problems) -> list[str]:
    """Compares the document's schemas with the lock; with `update`, writes new entries and
    additive changes. Returns what was (or would be) written."""
    locked = json.loads(lock_path.read_text(encoding="utf-8"))["schemas"] if lock_path.exists() else {}
    pending: list[str] = []
    merged = dict(locked)
    for key in sorted(locked.keys() - current.keys()):
        p.add(f"lock {key}", "is in docs/schemas.lock.json but no longer in docs/asyncapi.yaml: a published version stays documented (mark it x-precinct-retired; removing it from the lock is a deliberate hand edit)")
    for key in sorted(current):
        if key not in locked:
            pending.append(f"{key}: new")
            merged[key] = current[key]
            continue
        breaking, additive = schema_changes(locked[key], current[key])
        for change in breaking:
            what = "the header has no version: keep it compatible" if key == "header" else f"publish it as a new version ({key.rsplit('.v', 1)[0]}.v{int(key.rsplit('.v', 1)[1]) + 1})"
            p.add(f"lock {key}", f"breaking change within a version: {change}; {what}")
        if additive and not breaking:
            pending += [f"{key}: {change}" for change in additive]
            merged[key] = current[key]
    if pending and not update:
        for line in pending:
            p.add("docs/schemas.lock.json", f"not up to date ({line}); run `make catalogue-lock` and commit the lock")
    if pending and update and not p.items:
        lock = {
            "comment": "Snapshot of every (type, version) payload schema and the header, dereferenced, documentation keywords removed. Written by scripts/check_catalogue.py --update-lock (additive changes only); rules in docs/integrators.md, 'Versioning'.",
            "schemas": {k: merged[k] for k in sorted(merged)},
        }
        lock_path.write_text(json.dumps(lock, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return pending


# ---- the run --------------------------------------------------------------------------------

def load_catalogue(args) -> list[dict]:
    if args.catalogue:
        return json.loads(Path(args.catalogue).read_text(encoding="utf-8"))
    binary = Path(args.precinct)
    if not binary.exists():
        sys.exit(f"catalogue-check: {binary} not found; build first (swift build --build-tests)")
    out = subprocess.run([str(binary), "catalogue"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run(args) -> int:
    p = Problems()
    doc = yaml.safe_load(Path(args.asyncapi).read_text(encoding="utf-8"))
    entries = load_catalogue(args)
    message_channel = check_document(doc, p)
    messages = doc.get("components", {}).get("messages", {})
    channels = doc.get("channels", {})
    header_schema = deref(doc, {"$ref": "#/components/schemas/EventHeader"})
    default_content_type = doc.get("defaultContentType", "application/json")

    by_key = {}
    header_seen: set[str] = set()
    for entry in entries:
        key = f"{entry['type']}.v{entry['version']}"
        where = f"catalogue {key}"
        if key in by_key:
            p.add(where, "listed twice")
        by_key[key] = entry
        message = messages.get(key)
        if not p.expect(message is not None, where, f"docs/asyncapi.yaml has no message {key} (components.messages)"):
            continue
        p.expect(not message.get("x-precinct-retired"), where, "the code still publishes a version the document marks retired")
        channel_name = message_channel.get(key)
        channel = channels.get(channel_name, {})
        if channel:
            pattern = address_regex(channel["address"], channel.get("parameters", {}))
            p.expect(pattern.match(entry["topic"]) is not None, where, f"topic {entry['topic']!r} does not match the address {channel['address']!r}")
            servers = {s["$ref"].rsplit("/", 1)[-1] for s in channel.get("servers", [])}
            p.expect(set(entry["publishers"]) <= servers, where, f"publishers {entry['publishers']} are not all servers of the channel ({sorted(servers)})")
        header, payload = entry["header"], entry["payload"]
        p.expect(header["source"] in entry["publishers"], where, f"header source {header['source']!r} is not a publisher")
        p.expect((header["type"], header["version"]) == (entry["type"], entry["version"]), where, "header type/version differ from the entry's")
        p.expect(entry["contentType"] == message.get("contentType", default_content_type), where, "content type differs from the message's")
        validate(header_schema, header, f"{where} header", p)
        compare_with_code(header_schema, header, set(entry["required"]["header"]), f"{where} header", p, seen=header_seen)
        payload_schema = deref(doc, message["payload"])
        validate(payload_schema, payload, f"{where} payload", p)
        seen: set[str] = set()
        compare_with_code(payload_schema, payload, set(entry["required"]["payload"]), f"{where} payload", p, seen=seen)
        for path in sorted(schema_paths(payload_schema) - seen):
            p.add(where, f"payload field {path} is documented but the example never sets it (set every optional field in Shared/Model/Catalogue.swift, or remove the field from the schema)")
        expected = cloud_event_attributes(header, entry["topic"], entry["contentType"])
        for name in sorted(entry["cloudEvent"].keys() | expected.keys()):
            swift, documented = entry["cloudEvent"].get(name), expected.get(name)
            p.expect(swift == documented, where, f"CloudEvents attribute {name}: Swift gives {swift!r}, the documented mapping {documented!r}")
        check_cloud_event(entry["cloudEvent"], header, entry["topic"], payload, messages, f"{where} CloudEvent", p)
    for path in sorted(schema_paths(header_schema) - header_seen):
        p.add("header", f"field {path} is documented but no example header sets it")

    # Messages the code has no type for: rendered from one (the gateway's CAP), or retired.
    for key, message in messages.items():
        if key in by_key or message.get("x-precinct-retired"):
            continue
        where = f"components.messages.{key}"
        origin = message.get("x-precinct-rendered-from")
        if not p.expect(origin is not None, where, "no Swift EventPayload type publishes it (add one to EventCatalogue.all, or mark it x-precinct-retired / x-precinct-rendered-from)"):
            continue
        source = by_key.get(origin)
        if not p.expect(source is not None, where, f"is rendered from {origin}, which the catalogue does not have"):
            continue
        payload_schema = deref(doc, message["payload"])
        content_type = message.get("contentType", default_content_type)
        p.expect(payload_schema.get("type") == "string" and payload_schema.get("contentMediaType") == content_type, where, f"payload must be a string schema with contentMediaType {content_type}")
        if content_type == "application/cap+xml":
            url = (payload_schema.get("externalDocs") or {}).get("url", "")
            p.expect(url.endswith("CAP-v1.2.xsd"), where, "payload must refer to the CAP 1.2 XSD (externalDocs.url)")
        # Same header shape as the message it is rendered from, with its own type and version.
        m = re.fullmatch(r"(.+)\.v([0-9]+)", key)
        # (EventHeader.rendering(as:idSuffix:): its own id, `<id>:<suffix>`, caused by the source event.)
        suffix = message.get("x-precinct-id-suffix", "rendered")
        header = dict(source["header"], type=m.group(1), version=int(m.group(2)),
                      id=f'{source["header"]["id"]}:{suffix}', causationId=source["header"]["id"])
        topic = m.group(1) + source["topic"][len(source["type"]):]
        channel = channels.get(message_channel.get(key), {})
        if channel:
            p.expect(address_regex(channel["address"], channel.get("parameters", {})).match(topic) is not None, where, f"derived topic {topic!r} does not match {channel['address']!r}")
        validate(header_schema, header, f"{where} header", p)
        cap = '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>'
        check_cloud_event(cloud_event_attributes(header, topic, content_type), header, topic, cap, messages, f"{where} CloudEvent", p)

    current = {"header": strip_docs(header_schema)}
    for key, message in messages.items():
        current[key] = strip_docs(deref(doc, message["payload"]))
    pending = check_lock(current, Path(args.lock), args.update_lock, p)

    if p.items:
        print(f"catalogue-check: {len(p.items)} problem(s)", file=sys.stderr)
        for item in p.items:
            print(f"  - {item}", file=sys.stderr)
        return 1
    if args.update_lock and pending:
        print(f"catalogue-check: {args.lock} updated: " + "; ".join(pending))
    print(f"catalogue-check: {len(entries)} event types, {len(messages)} messages, {len(channels)} channels: documented, valid, versioned, CloudEvents 1.0 — OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precinct", default=str(ROOT / ".build/debug/precinct"), help="the built CLI (runs `precinct catalogue`)")
    parser.add_argument("--catalogue", help="read the catalogue JSON from this file instead of running the CLI")
    parser.add_argument("--asyncapi", default=str(ROOT / "docs/asyncapi.yaml"))
    parser.add_argument("--lock", default=str(ROOT / "docs/schemas.lock.json"))
    parser.add_argument("--update-lock", action="store_true", help="add new versions and additive changes to the lock; breaking changes are still refused")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
