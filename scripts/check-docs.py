#!/usr/bin/env python3
"""Every test the docs cite exists: a name in backticks such as
`hostile_record::a_gzip_bomb_record_is_refused_before_it_exhausts_memory`
or `record::manifest::tests::hostile_fields_are_named_not_trusted`, copied
into `cargo test NAME`, must select at least one test.

Usage: scripts/check-docs.py TEST_LIST DOC...  (TEST_LIST: the output of
`cargo test -- --list`). Exits 1 naming each citation that selects nothing.
"""
import re
import sys

tests = []
for line in open(sys.argv[1], encoding="utf-8"):
    if line.endswith(": test\n"):
        tests.append(line[: -len(": test\n")])

# Integration tests are listed as `module::test`; unit tests contain
# `::tests::`. Only names of those shapes are test citations: a code path
# such as `pipeline::guard_and_apply` is not.
test_modules = {t.split("::")[0] for t in tests if "::tests::" not in t}

cited = re.compile(r"`([a-z_0-9]+(?:::[a-z_0-9]+)+)`")
missing = []
for doc in sys.argv[2:]:
    for number, line in enumerate(open(doc, encoding="utf-8"), 1):
        for name in cited.findall(line):
            if "::tests::" not in name and name.split("::")[0] not in test_modules:
                continue
            if not any(name in t for t in tests):
                missing.append(f"{doc}:{number}: `{name}` selects no test")
for m in missing:
    print(m)
if missing:
    print(f"{len(missing)} citation(s) in the docs name no test: fix the name (cargo test -- --list shows them all)")
    sys.exit(1)
print(f"docs: every cited test exists ({len(tests)} tests)")
