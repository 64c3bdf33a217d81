#!/usr/bin/env python3
"""Every event type a core's `apply(_:in:)` handles must be in its `appliedTypes`.

The engine drops, before its transaction, every type a core does not list (issue 14: followers
filter by type), so a handler added to `apply` without its type in the list never runs, silently.
Three merges in a row lost a type this way; this check makes it a build failure instead.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
failures = []
for core in sorted(root.glob("Services/*/Core/*Core.swift")):
    text = core.read_text(encoding="utf-8")
    listed = re.search(r"appliedTypes:\s*Set<String>\?\s*=\s*\[(.*?)\]", text, re.S)
    apply = re.search(r"func apply\(_ event: Envelope, in tx: Transaction\) throws \{(.*?)\n    \}", text, re.S)
    if not apply:
        continue
    if not listed:
        failures.append(f"{core.relative_to(root)}: apply(_:in:) but no appliedTypes")
        continue
    declared = set(re.findall(r"(\w+)\.type", listed.group(1)))
    # The types `apply` switches on or compares with, there or in the handlers it delegates to
    # (`case X.type` anywhere in the core's folder: the cores switch on event types only there).
    handled = set(re.findall(r"(\w+)\.type", apply.group(1))) - {"header"}
    for swift in core.parent.rglob("*.swift"):
        handled |= set(re.findall(r"case (\w+)\.type\b", swift.read_text(encoding="utf-8")))
        handled |= set(re.findall(r"case \w+\.type, (\w+)\.type\b", swift.read_text(encoding="utf-8")))
    missing = sorted(handled - declared)
    unused = sorted(declared - handled)
    if missing:
        failures.append(f"{core.relative_to(root)}: apply handles {', '.join(missing)} but appliedTypes does not list it (the engine would drop it)")
    if unused:
        failures.append(f"{core.relative_to(root)}: appliedTypes lists {', '.join(unused)} but apply never handles it")
    print(f"{core.relative_to(root)}: {len(handled)} types handled, all listed" if not missing and not unused else "", end="")
    if not missing and not unused:
        print()
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
