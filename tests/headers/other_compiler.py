#!/usr/bin/env python3
"""other_compiler.py COMPILER OUTPUT SOURCE... -- FLAG...

Builds one program from SOURCE... with COMPILER (a second C++ compiler next to
the build's own, which Meson does not offer as a native compiler), then runs
it: the test's result is the program's. Exit 77 (Meson: skipped) when
COMPILER is not installed; 1 when it does not compile or link, with the
compiler's messages."""
import shutil
import subprocess
import sys

args = sys.argv[1:]
sep = args.index("--")
compiler, output, sources, flags = args[0], args[1], args[2:sep], args[sep + 1:]
if shutil.which(compiler) is None:
    print(f"{compiler} is not installed: skipped")
    sys.exit(77)
cmd = [compiler, *flags, *sources, "-o", output]
print(" ".join(cmd), flush=True)
build = subprocess.run(cmd)
if build.returncode != 0:
    print(f"{compiler}: exit {build.returncode}")
    sys.exit(1)
sys.exit(subprocess.run([output]).returncode)
