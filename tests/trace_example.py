#!/usr/bin/env python3
"""WPU_TRACE on a real example: runs examples/hosting with WPU_TRACE=<file>
and compares its trace with the excerpt in README.md's "Tracing" section
(the ```text block after the "## Tracing" heading), both with times, thread
ids and long hex values (handles, pointers) blanked. Then the other values
of WPU_TRACE: "1" writes the same lines to stderr, an unusable path prints
one message and traces nothing, and the program works in every case.

usage: trace_example.py <README.md> <hosting> <upper_provider module>
"""
import os
import re
import subprocess
import sys
import tempfile

PREFIX = re.compile(r"^\[wpu [0-9]+\.[0-9]{6} T[0-9]+\] ")
LONG_HEX = re.compile(r"0x[0-9a-f]{9,}")


def normal(line):
    """The line with its time and thread blanked, long hex values as 0x?."""
    if not PREFIX.match(line):
        raise ValueError(f"not a trace line: {line!r}")
    return LONG_HEX.sub("0x?", PREFIX.sub("[wpu T] ", line))


def readme_excerpt(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^## Tracing\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        sys.exit(f"{path}: no '## Tracing' section")
    block = re.search(r"```text\n(.*?)```", m.group(1), re.S)
    if not block:
        sys.exit(f"{path}: the Tracing section has no ```text block")
    return [normal(l) for l in block.group(1).splitlines() if l.startswith("[wpu ")]


def run(hosting, module, trace):
    env = dict(os.environ)
    env["WPU_TRACE"] = trace
    return subprocess.run([hosting, module], env=env, capture_output=True, text=True,
                          timeout=60)


def main():
    readme, hosting, module = sys.argv[1:4]
    want = readme_excerpt(readme)
    failures = 0

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "trace.txt")
        r = run(hosting, module, path)
        if r.returncode != 0:
            print(f"hosting with WPU_TRACE={path} exited {r.returncode}:\n{r.stdout}{r.stderr}")
            return 1
        raw = open(path, encoding="utf-8").read().splitlines()
        got = [normal(l) for l in raw]
        if got != want:
            failures += 1
            print("trace of examples/hosting differs from README.md's excerpt:")
            for i in range(max(len(got), len(want))):
                g = got[i] if i < len(got) else "<none>"
                w = want[i] if i < len(want) else "<none>"
                print(f"  {'  ' if g == w else '!='} got  {g}\n     want {w}")
            print("actual trace:\n  " + "\n  ".join(raw))

        # "1": the same lines on stderr (the program's own stderr is empty).
        r = run(hosting, module, "1")
        lines = [normal(l) for l in r.stderr.splitlines()]
        if r.returncode != 0 or lines != want:
            failures += 1
            print(f"WPU_TRACE=1: exit {r.returncode}, stderr:\n{r.stderr}")

        # A path that cannot be opened: one message, no trace, the program runs.
        bad = os.path.join(d, "no-such-dir", "trace.txt")
        r = run(hosting, module, bad)
        msg = f"wpu: WPU_TRACE={bad}: cannot open the file (system error 2); not tracing\n"
        if r.returncode != 0 or r.stderr != msg:
            failures += 1
            print(f"WPU_TRACE={bad}: exit {r.returncode}, stderr {r.stderr!r}, want {msg!r}")

    print("ok" if failures == 0 else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
