#!/usr/bin/env python3
"""The exported-symbol test of the compiled library (docs/packaging.md,
"Exported symbols").

usage: exported_symbols.py LIST LIBRARY SONAME

Reads the dynamic symbol table of LIBRARY (the shared libwpu) with
`nm -D --defined-only`, demangles every name with `c++filt`, and compares the
set with LIST (tests/abi/exported_symbols.txt: one demangled name per line,
`#` comments and blank lines ignored) as multisets: a constructor or
destructor exported in two or three variants (complete, base, deleting)
demangles to one name, listed that many times. Nothing is filtered out of nm's output:
the library's version script (lib/libwpu.map) makes everything but wpu's own
names local, so every defined dynamic symbol is one the library chose to
export (GNU ld puts no _init/_fini or other linker symbol in .dynsym here).
Also checks that `readelf -d LIBRARY` names SONAME.

Fails (exit 1) naming every symbol exported but not listed and every listed
symbol not exported; exit 2 for bad arguments or a tool that cannot run.
"""

import collections
import os
import subprocess
import sys


def run(argv, stdin=None):
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    except OSError as e:
        sys.exit(f"exported_symbols.py: cannot run {argv[0]}: {e}")
    if done.returncode != 0:
        sys.exit(f"exported_symbols.py: {' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def read_list(path):
    names = collections.Counter()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                name = line.strip()
                if name and not name.startswith("#"):
                    names[name] += 1
    except OSError as e:
        sys.exit(f"exported_symbols.py: cannot read the list: {e}")
    return names


def exported(library):
    mangled = []
    for line in run(["nm", "-D", "--defined-only", library]).splitlines():
        fields = line.split()
        # "<value> <type> <name>"; an absolute symbol may lack the value.
        if len(fields) >= 2:
            mangled.append(fields[-1])
    if not mangled:
        sys.exit(f"exported_symbols.py: nm found no defined dynamic symbol in {library}")
    demangled = run(["c++filt"], stdin="\n".join(mangled) + "\n").splitlines()
    if len(demangled) != len(mangled):
        sys.exit("exported_symbols.py: c++filt gave a different number of lines than nm")
    return collections.Counter(demangled)


def soname(library):
    for line in run(["readelf", "-d", library]).splitlines():
        if "(SONAME)" in line and "[" in line:
            return line[line.index("[") + 1:line.rindex("]")]
    return None


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    list_path, library, want_soname = sys.argv[1:]
    listed = read_list(list_path)
    have = exported(library)
    failed = False

    extra = sorted((have - listed).elements())
    missing = sorted((listed - have).elements())
    if extra:
        failed = True
        print(f"{len(extra)} symbol(s) exported by {os.path.basename(library)} but not listed in "
              f"{list_path}:")
        for name in extra:
            print(f"  + {name}")
        print("  If the symbol is API (documented, meant for users), add it to that file, one "
              "demangled name per line (docs/packaging.md, \"Exported symbols\"); otherwise "
              "remove its WPU_API / WPU_C_API mark.")
    if missing:
        failed = True
        print(f"{len(missing)} symbol(s) listed in {list_path} but not exported by "
              f"{os.path.basename(library)}:")
        for name in missing:
            print(f"  - {name}")
        print("  Removing an exported symbol is an incompatible ABI change (docs/packaging.md, "
              "\"SONAME and versions\"); if intended, delete the line from that file.")

    got = soname(library)
    if got != want_soname:
        failed = True
        print(f"SONAME of {library} is {got!r}, expected {want_soname!r} "
              "(lib/meson.build soversion; docs/packaging.md, \"SONAME and versions\")")

    if not failed:
        print(f"{sum(have.values())} exported symbols, all listed in {list_path}; SONAME {got}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
