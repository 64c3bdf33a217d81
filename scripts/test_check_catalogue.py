#!/usr/bin/env python3
"""Tests of scripts/check_catalogue.py: it passes on the committed files, and it refuses what the
versioning rules forbid. Doctored copies of docs/asyncapi.yaml and docs/schemas.lock.json are made
in a temporary directory; the real files are never touched. Run by `make catalogue-check` (needs
the built CLI: .build/debug/precinct, or PRECINCT_BIN)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_catalogue as checker  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("PRECINCT_BIN", ROOT / ".build/debug/precinct"))


class CheckerRun(unittest.TestCase):
    """End to end: the checker on (doctored) copies of the document, the lock and the catalogue."""

    @classmethod
    def setUpClass(cls) -> None:
        if not BINARY.exists():
            raise AssertionError(f"{BINARY} is not built: run swift build --build-tests first")
        cls.catalogue = subprocess.run([str(BINARY), "catalogue"], check=True, capture_output=True, text=True).stdout

    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="catalogue-test."))
        self.addCleanup(shutil.rmtree, self.dir)
        self.asyncapi = self.dir / "asyncapi.yaml"
        self.lock = self.dir / "schemas.lock.json"
        self.catalogue_file = self.dir / "catalogue.json"
        shutil.copy(ROOT / "docs/asyncapi.yaml", self.asyncapi)
        shutil.copy(ROOT / "docs/schemas.lock.json", self.lock)
        self.catalogue_file.write_text(self.catalogue, encoding="utf-8")

    def doctor(self, old: str, new: str) -> None:
        text = self.asyncapi.read_text(encoding="utf-8")
        self.assertEqual(text.count(old), 1, f"the doctoring expects exactly one {old!r} in docs/asyncapi.yaml")
        self.asyncapi.write_text(text.replace(old, new), encoding="utf-8")

    def check(self, *extra: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = checker.main(["--asyncapi", str(self.asyncapi), "--lock", str(self.lock), "--catalogue", str(self.catalogue_file), *extra])
        return code, out.getvalue() + err.getvalue()

    def test_committed_files_pass(self) -> None:
        code, output = self.check()
        self.assertEqual(code, 0, output)

    def test_removed_property_is_refused_even_with_update_lock(self) -> None:
        self.doctor("""        flags:
          type: array
          description: "The call-taker's flags (added within v1)."
          items: {type: string}
""", "")
        before = self.lock.read_bytes()
        for extra in ((), ("--update-lock",)):
            code, output = self.check(*extra)
            self.assertEqual(code, 1, output)
            self.assertIn("lock incident.opened.v1: breaking change within a version: flags: property removed", output)
            self.assertIn("incident.opened.v2", output)
        self.assertEqual(self.lock.read_bytes(), before, "--update-lock wrote a breaking change")

    def test_retyped_property_is_refused(self) -> None:
        self.doctor("        casualties: {type: integer}\n        partiesConsent", "        casualties: {type: string}\n        partiesConsent")
        code, output = self.check("--update-lock")
        self.assertEqual(code, 1, output)
        self.assertIn('casualties: retyped from "integer" to "string"', output)

    def test_retyped_shared_schema_breaks_every_message_that_uses_it(self) -> None:
        self.doctor("        lat: {type: number, minimum: -90, maximum: 90}", "        lat: {type: string}")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        for key in ("incident.opened.v1", "unit.status.v1", "alert.enterprise.v1", "liaison.enterprise.v1"):
            self.assertIn(f"lock {key}: breaking change within a version", output)

    def test_optional_property_added_is_additive_and_update_lock_records_it(self) -> None:
        self.doctor("        partiesConsent: {type: boolean}\n", "        partiesConsent: {type: boolean}\n        witnessCount: {type: integer}\n")
        entries = json.loads(self.catalogue)
        next(e for e in entries if e["type"] == "incident.opened")["payload"]["witnessCount"] = 2
        self.catalogue_file.write_text(json.dumps(entries), encoding="utf-8")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("not up to date (incident.opened.v1: witnessCount: optional property added)", output)
        code, output = self.check("--update-lock")
        self.assertEqual(code, 0, output)
        self.assertIn("witnessCount", json.loads(self.lock.read_text())["schemas"]["incident.opened.v1"]["properties"])
        self.assertEqual(self.check()[0], 0)

    def test_a_documented_field_the_code_never_sends_fails(self) -> None:
        self.doctor("        partiesConsent: {type: boolean}\n", "        partiesConsent: {type: boolean}\n        witnessCount: {type: integer}\n")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("payload field witnessCount is documented but the example never sets it", output)

    def test_a_field_the_code_sends_but_the_document_lacks_fails(self) -> None:
        entries = json.loads(self.catalogue)
        next(e for e in entries if e["type"] == "dispatch.closed")["payload"]["undocumented"] = True
        self.catalogue_file.write_text(json.dumps(entries), encoding="utf-8")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("'undocumented' was unexpected", output)

    def test_required_must_match_the_swift_decoder(self) -> None:
        self.doctor("      required: [incidentId, outcome, openedAt, at]", "      required: [incidentId, outcome, openedAt, at, stationId]")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("stationId is required in the schema but optional in Swift", output)
        self.assertIn("stationId: became required", output)

    def test_a_catalogue_type_without_a_message_fails(self) -> None:
        entries = json.loads(self.catalogue)
        entries[0] = dict(entries[0], version=2, header=dict(entries[0]["header"], version=2))
        self.catalogue_file.write_text(json.dumps(entries), encoding="utf-8")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("docs/asyncapi.yaml has no message incident.opened.v2", output)

    def test_integrator_tag_is_policy(self) -> None:
        self.doctor("""      alert.officer.v1:
        $ref: '#/components/messages/alert.officer.v1'
    tags:
      - name: internal""", """      alert.officer.v1:
        $ref: '#/components/messages/alert.officer.v1'
    tags:
      - name: integrator""")
        code, output = self.check()
        self.assertEqual(code, 1, output)
        self.assertIn("channels.alert.officer: must be tagged 'internal'", output)


class VersioningRules(unittest.TestCase):
    """schema_changes and check_lock on small schemas: what is additive and what is breaking."""

    base = {"type": "object", "additionalProperties": False, "required": ["a"],
            "properties": {"a": {"type": "string"}, "b": {"type": "string", "enum": ["x", "y"]},
                           "c": {"type": "array", "items": {"type": "object", "properties": {"d": {"type": "integer"}}}}}}

    def changed(self, mutate) -> tuple[list[str], list[str]]:
        new = json.loads(json.dumps(self.base))
        mutate(new)
        return checker.schema_changes(self.base, new)

    def test_descriptions_are_free(self) -> None:
        stripped = checker.strip_docs(dict(self.base, description="now documented", properties=dict(self.base["properties"], a={"type": "string", "description": "x"})))
        self.assertEqual(checker.schema_changes(self.base, stripped), ([], []))

    def test_optional_property_added_at_depth_is_additive(self) -> None:
        breaking, additive = self.changed(lambda s: s["properties"]["c"]["items"]["properties"].update(e={"type": "string"}))
        self.assertEqual(breaking, [])
        self.assertEqual(additive, ["c[].e: optional property added"])

    def test_breaking_changes(self) -> None:
        cases = {
            "b: property removed": lambda s: s["properties"].pop("b"),
            "e: new property is required": lambda s: (s["properties"].update(e={"type": "string"}), s["required"].append("e")),
            "b: became required": lambda s: s["required"].append("b"),
            "a: no longer required": lambda s: s["required"].remove("a"),
            'a: retyped from "string" to "integer"': lambda s: s["properties"]["a"].update(type="integer"),
            'b: enum changed from ["x", "y"] to ["x", "y", "z"]': lambda s: s["properties"]["b"].update(enum=["x", "y", "z"]),
            'c[].d: retyped from "integer" to "number"': lambda s: s["properties"]["c"]["items"]["properties"]["d"].update(type="number"),
            "(root): additionalProperties changed from false to true": lambda s: s.update(additionalProperties=True),
        }
        for expected, mutate in cases.items():
            with self.subTest(expected):
                breaking, _ = self.changed(mutate)
                self.assertIn(expected, breaking)

    def test_rename_is_a_removal(self) -> None:
        breaking, additive = self.changed(lambda s: s["properties"].update(A=s["properties"].pop("b")))
        self.assertEqual(breaking, ["b: property removed"])
        self.assertEqual(additive, ["A: optional property added"])

    def test_lock_keeps_every_published_version(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            lock = Path(tmp) / "lock.json"
            lock.write_text(json.dumps({"schemas": {"t.v1": self.base, "t.v2": self.base}}))
            problems = checker.Problems()
            checker.check_lock({"t.v2": self.base, "t.v3": self.base}, lock, update=True, p=problems)
            self.assertTrue(any("lock t.v1: is in docs/schemas.lock.json but no longer" in item for item in problems.items), problems.items)
            self.assertNotIn("t.v3", json.loads(lock.read_text())["schemas"], "a run with problems must not write the lock")


class CloudEventsMapping(unittest.TestCase):
    header = {"id": "dispatch:a7d04e6c:7", "type": "dispatch.closed", "version": 1, "source": "dispatch", "epoch": "a7d04e6c",
              "seq": 7, "time": "2026-11-22T08:45:10.000Z", "correlationId": "I00000042"}
    messages = {"dispatch.closed.v1": {}}

    def test_mapping_is_valid_and_one_to_one(self) -> None:
        attributes = checker.cloud_event_attributes(self.header, "dispatch.closed.R3", "application/json")
        problems = checker.Problems()
        checker.check_cloud_event(attributes, self.header, "dispatch.closed.R3", {"incidentId": "I00000042"}, self.messages, "t", problems)
        self.assertEqual(problems.items, [])
        self.assertEqual(attributes["subject"], "R3")
        self.assertEqual(checker.header_from_cloud_event(attributes), (self.header, "R3"))

    def test_invalid_extension_name_is_refused(self) -> None:
        attributes = checker.cloud_event_attributes(self.header, "dispatch.closed.R3", "application/json")
        attributes["precinct_seq"] = attributes.pop("precinctseq")
        problems = checker.Problems()
        checker.check_cloud_event(attributes, self.header, "dispatch.closed.R3", {}, self.messages, "t", problems)
        self.assertTrue(any("precinct_seq" in item for item in problems.items), problems.items)

    def test_dataschema_must_name_a_message(self) -> None:
        attributes = checker.cloud_event_attributes(dict(self.header, version=9), "dispatch.closed.R3", "application/json")
        problems = checker.Problems()
        checker.check_cloud_event(attributes, dict(self.header, version=9), "dispatch.closed.R3", {}, self.messages, "t", problems)
        self.assertTrue(any("names no message" in item for item in problems.items), problems.items)


if __name__ == "__main__":
    unittest.main()
