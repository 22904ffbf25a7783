#!/usr/bin/env python3
"""Lists the Rust functions of src/ and crates/ longer than a limit (default 80 lines),
counted from the `fn` line to the closing brace at the same indentation, longest first.
A function over the limit needs a comment saying why it stays whole.

    python3 scripts/long_functions.py [LIMIT]
"""

import pathlib
import re
import sys

FN = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?((const|async|unsafe|extern\s+\"\w+\")\s+)*fn\s+(\w+)")


def functions(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        indent, name = m.group(1), m.group(6)
        # The signature ends at the first line ending in `{` (a body) or `;` (none).
        end_of_signature = next(
            (i for i in range(start, len(lines)) if lines[i].rstrip().endswith(("{", ";"))),
            None,
        )
        if end_of_signature is None or lines[end_of_signature].rstrip().endswith(";"):
            continue
        close = next(
            (i for i in range(end_of_signature + 1, len(lines)) if lines[i].rstrip() == indent + "}"),
            None,
        )
        if close is not None:
            yield name, start + 1, close - start + 1


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 80
    root = pathlib.Path(__file__).resolve().parent.parent
    found = []
    for top in ["src", "crates"]:
        for path in sorted((root / top).rglob("*.rs")):
            if "target" in path.relative_to(root).parts:
                continue
            for name, line, length in functions(path):
                if length > limit:
                    found.append((length, f"{path.relative_to(root)}:{line}", name))
    for length, at, name in sorted(found, reverse=True):
        print(f"{length:5}  {at}  {name}")
    if not found:
        print(f"no function over {limit} lines")


if __name__ == "__main__":
    main()
