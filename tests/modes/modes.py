#!/usr/bin/env python3
"""The two modes in real programs (README.md, "Modes"). Subcommands:

link  Builds the 3-TU program of mixed_main.cpp + mixed_tu.cpp (twice) with
      the given compiler: both TUs header-only and both compiled must link
      (and run, on ELF); one of each, in either order, must fail to link, and
      for the right reason: the linker names
      wpu_error_mixed_header_only_and_compiled_modes (ELF: a TLS mismatch;
      PE: a multiple definition).
dso   Builds host.cpp and provider.cpp header-only with another compiler
      (the provider with -fvisibility=hidden -fvisibility-inlines-hidden, the
      host with the header-only link flag) and runs them like `run ok`.
run   Runs HOST PROVIDER: `ok` expects exit 0 and the host's "one catalog"
      line; `two-copies` expects wpu's own loud failure: a non-zero exit
      (abort) and "wpu: two copies of wpu's" on stderr.

Exit status 0 when every expectation holds; 1 otherwise, with the reason.
"""
import argparse
import os
import subprocess
import sys
import tempfile

GUARD = "wpu_error_mixed_header_only_and_compiled_modes"
HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env)
    return r.returncode, r.stdout


def fail(msg, output=""):
    print("FAILED: " + msg)
    if output:
        print(output)
    sys.exit(1)


def compile_tu(a, src, obj, mode, extra=()):
    cmd = (a.cxx + a.flag + ["-I" + d for d in a.inc] + ["-D" + mode] +
           list(extra) + ["-c", src, "-o", obj])
    rc, out = sh(cmd)
    if rc != 0:
        fail("compiling " + " ".join(cmd), out)


def cmd_link(a):
    pe = a.kind == "pe"
    exe = ".exe" if pe else ""
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        objs = {}
        for name in ("tu_a", "tu_b"):
            for mode, tag in (("WPU_HEADER_ONLY", "ho"), ("WPU_SEPARATE_COMPILATION", "co")):
                obj = os.path.join(tmp, "%s_%s.o" % (name, tag))
                compile_tu(a, os.path.join(HERE, "mixed_tu.cpp"), obj, mode,
                           ["-DMIXED_TU_NAME=" + name])
                objs[name, tag] = obj
        main = os.path.join(tmp, "main.o")
        compile_tu(a, os.path.join(HERE, "mixed_main.cpp"), main, "WPU_HEADER_ONLY")
        libdir = os.path.dirname(os.path.abspath(a.lib))
        libflags = [os.path.abspath(a.lib)] + a.libflag

        def link(name, parts, with_lib):
            out = os.path.join(tmp, name + exe)
            cmd = a.cxx + a.flag + [main] + parts + ["-o", out] + a.ldflag
            if with_lib:
                cmd += libflags
            return out, sh(cmd)

        for name, parts, with_lib in (
                ("header-only", [objs["tu_a", "ho"], objs["tu_b", "ho"]], False),
                ("compiled", [objs["tu_a", "co"], objs["tu_b", "co"]], True)):
            out, (rc, text) = link(name, parts, with_lib)
            if rc != 0:
                fail("the %s program of two translation units does not link" % name, text)
            if not pe:
                env = dict(os.environ, LD_LIBRARY_PATH=libdir)
                rc, text = sh([out], env)
                if rc != 0:
                    fail("the %s program exits %d" % (name, rc), text)
            print("ok: two %s translation units link%s" % (name, "" if pe else " and run"))

        for name, parts in (
                ("header-only first", [objs["tu_a", "ho"], objs["tu_b", "co"]]),
                ("compiled first", [objs["tu_a", "co"], objs["tu_b", "ho"]])):
            _, (rc, text) = link("mixed", parts, True)
            if rc == 0:
                fail("a program mixing modes (%s) links" % name)
            reason = "multiple definition" if pe else "TLS"
            if GUARD not in text or reason not in text:
                fail("a program mixing modes (%s) fails to link, but not with %s and %r"
                     % (name, GUARD, reason), text)
            print("ok: mixing modes (%s) fails to link: %s" % (
                name, next(l for l in text.splitlines() if GUARD in l).strip()))
    return 0


def run_pair(expect, host, provider, workdir=None):
    rc, text = sh([host, provider])
    if expect == "ok":
        if rc != 0 or "one catalog, one handle table" not in text:
            fail("host + provider exit %d" % rc, text)
    else:
        if rc == 0 or "wpu: two copies of wpu's" not in text:
            fail("expected wpu's two-copies abort; host + provider exit %d" % rc, text)
    print("ok (%s): %s" % (expect, text.strip().splitlines()[0] if text.strip() else ""))
    return 0


def cmd_dso(a):
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        provider = os.path.join(tmp, "provider.so")
        host = os.path.join(tmp, "host")
        base = a.cxx + a.flag + ["-I" + d for d in a.inc] + ["-DWPU_HEADER_ONLY"]
        rc, text = sh(base + ["-fPIC", "-shared", "-fvisibility=hidden",
                              "-fvisibility-inlines-hidden",
                              os.path.join(HERE, "provider.cpp"), "-o", provider] + a.ldflag)
        if rc != 0:
            fail("building the provider", text)
        rc, text = sh(base + ["-fvisibility=hidden", "-fvisibility-inlines-hidden",
                              os.path.join(HERE, "host.cpp"), "-o", host] + a.ldflag)
        if rc != 0:
            fail("building the host", text)
        return run_pair("ok", host, provider)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("link", "dso"):
        s = sub.add_parser(name)
        s.add_argument("--cxx", action="append", required=True, help="compiler command word")
        s.add_argument("--flag", action="append", default=[], help="compile and link flag")
        s.add_argument("--ldflag", action="append", default=[], help="link flag")
        s.add_argument("--inc", action="append", default=[], help="include directory")
        s.add_argument("--workdir", default=None)
        if name == "link":
            s.add_argument("--lib", required=True, help="the compiled library")
            s.add_argument("--libflag", action="append", default=[], help="flag after the library")
            s.add_argument("--kind", choices=("elf", "pe"), default="elf")
    s = sub.add_parser("run")
    s.add_argument("expect", choices=("ok", "two-copies"))
    s.add_argument("host")
    s.add_argument("provider")
    a = p.parse_args()
    if a.cmd == "link":
        return cmd_link(a)
    if a.cmd == "dso":
        return cmd_dso(a)
    return run_pair(a.expect, a.host, a.provider)


if __name__ == "__main__":
    sys.exit(main())
