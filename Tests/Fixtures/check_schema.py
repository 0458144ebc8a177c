#!/usr/bin/env python3
"""Checks schemas/federation.schema.json against the specs fedplane itself accepts and rejects.

Every spec in specs/ must validate. Every fixture in Tests/Fixtures/invalid/ marked
`# schema: reject` must fail schema validation (the rule is expressible in JSON Schema);
those marked `# schema: accept` hold rules only `fedplane validate` can check (references,
uniqueness, cross-field limits). Prints one line per file and `N passed, N failed`.
"""
import glob
import json
import os
import sys

import jsonschema
import yaml

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(root, "schemas", "federation.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

passed = failed = 0


def report(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


for path in sorted(glob.glob(os.path.join(root, "specs", "*.yaml"))):
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = list(validator.iter_errors(doc))
    report(not errors, f"{os.path.relpath(path, root)} validates" + "".join(f"\n     {e.json_path}: {e.message}" for e in errors))

for path in sorted(glob.glob(os.path.join(root, "Tests", "Fixtures", "invalid", "*.yaml"))):
    with open(path) as f:
        text = f.read()
    mode = next(l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("# schema:"))
    doc = yaml.safe_load(text)
    errors = list(validator.iter_errors(doc))
    name = os.path.relpath(path, root)
    if mode == "reject":
        report(bool(errors), f"{name} rejected by the schema")
    else:
        report(not errors, f"{name} accepted by the schema (only fedplane validate can tell)"
               + "".join(f"\n     {e.json_path}: {e.message}" for e in errors))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
