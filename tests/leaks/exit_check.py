#!/usr/bin/env python3
"""The leak report at process exit (docs/leaks.md).

Usage: exit_check.py LEAKS_EXE [WRAPPER] (WRAPPER: the loader that runs
LEAKS_EXE, e.g. Wine's, for the win32 build).

Runs `<leaks-exe> child` (tests/leaks.cpp) three ways and checks its stderr:
with WPU_LEAKS=1 the exact report of the objects the child left open (the
values the child prints on stdout); with WPU_LEAKS unset, and with
WPU_LEAKS=0, nothing at all. Exit status 0 when every check passes.
"""
import os
import re
import subprocess
import sys


def run(cmd, leaks):
    env = dict(os.environ)
    env.pop("WPU_LEAKS", None)
    env.pop("WPU_LEAKS_FILE", None)
    if leaks is not None:
        env["WPU_LEAKS"] = leaks
    # text=True: universal newlines, so Windows' \r\n reads as \n.
    p = subprocess.run(cmd + ["child"], env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"child failed ({p.returncode}) with WPU_LEAKS={leaks}: {p.stderr}")
    m = re.fullmatch(r"event (\S+) socket (\S+) thread (\d+) entry (\d+)\n", p.stdout)
    if not m:
        sys.exit(f"unexpected child stdout: {p.stdout!r}")
    return m.groups(), p.stderr


def main():
    cmd = sys.argv[2:3] + sys.argv[1:2]
    (event, socket, thread, entry), err = run(cmd, "1")
    expected = (
        f"wpu leaks at exit: event {event} (WPUCreateEvent) made by thread {thread}\n"
        f"wpu leaks at exit: socket handle {socket} (WPUCreateSocketHandle)"
        f" made by catalog entry {entry} on thread {thread}\n"
        "wpu leaks at exit: 2 still open (socket handle 1, event 1)\n"
    )
    if err != expected:
        sys.exit(f"WPU_LEAKS=1: stderr\n{err!r}\nexpected\n{expected!r}")
    for value in (None, "0"):
        _, err = run(cmd, value)
        if err != "":
            sys.exit(f"WPU_LEAKS={value}: expected no output, got {err!r}")
    print("exit report as expected:\n" + expected, end="")


if __name__ == "__main__":
    main()
