#!/usr/bin/env python3
"""WPU_TRACE on a real example: runs examples/hosting with WPU_TRACE=<file>
and compares its trace with the excerpt in README.md's "Tracing" section
(the ```text block after the "## Tracing" heading), both with times, thread
ids and hex values of 5 digits or more (handles, pointers) blanked. Then the other values
of WPU_TRACE: "1" writes the same lines to stderr, an unusable path prints
one message and traces nothing, and the program works in every case.

usage: trace_example.py [--wrapper <program>] <README.md> <hosting> <upper_provider module>
(the Win32 build passes Wine's loader as the wrapper and the module's Z: path)
"""
import os
import re
import subprocess
import sys
import tempfile

PREFIX = re.compile(r"^\[wpu [0-9]+\.[0-9]{6} T[0-9]+\] ")
LONG_HEX = re.compile(r"0x[0-9a-f]{5,}")  # pointers and handles (Windows' are short)


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


WRAPPER = []


def run(hosting, module, trace):
    env = dict(os.environ)
    env["WPU_TRACE"] = trace
    r = subprocess.run(WRAPPER + [hosting, module], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    r.stderr = r.stderr.replace("\r\n", "\n")  # Windows' text-mode stderr
    return r


def main():
    args = sys.argv[1:]
    if args[:1] == ["--wrapper"]:
        WRAPPER.append(args[1])
        args = args[2:]
    readme, hosting, module = args[:3]
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
        # ENOENT on POSIX, ERROR_PATH_NOT_FOUND on Windows.
        code = 3 if WRAPPER else 2
        msg = f"wpu: WPU_TRACE={bad}: cannot open the file (system error {code}); not tracing\n"
        if r.returncode != 0 or r.stderr != msg:
            failures += 1
            print(f"WPU_TRACE={bad}: exit {r.returncode}, stderr {r.stderr!r}, want {msg!r}")

    print("ok" if failures == 0 else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
