#!/usr/bin/env python3
"""Builds and runs one consumer of wpu (tests/consumers/meson.build runs one
test per consumer; tests/run's suite "consumers" installs wpu first).

    consumer.py NAME --prefix P --source S --work W

P is an installed wpu (meson install with --prefix P), S the wpu source tree
(the subproject consumers snapshot it; every other consumer uses only P and
its own sources under tests/consumers, plus tests/headers' three units and
examples/upper_provider.c as program source), W an empty work folder (it is
removed first). Every step's command is printed; the first failing step
ends the run with its output and exit status 1. Exit status 0: the consumer
built, ran and printed what it must.

Consumers:
  subproject-compiled, subproject-header-only
      A Meson project (tests/consumers/subproject) using wpu through
      subprojects/wpu.wrap, the [wrap-git] of README.md "Using it", cloned
      from a git snapshot of S; checks that the parent's `meson test --list`
      holds only its own test, that configuring looked up neither doctest nor
      WinPR, that the subproject built no executable, then builds and tests.
  pkgconfig-c
      tests/consumers/pkgconfig/main.c (C99) with `pkg-config wpu`.
  cmake-compiled, cmake-header-only
      tests/consumers/cmake through find_package(wpu CONFIG), from a copy of
      P moved elsewhere (the package is relocatable).
  multi-tu, multi-tu-pkgconfig
      tests/headers/multi_tu_{a,b,c}.cpp, header-only through CMake's
      wpu::header_only, and through `pkg-config wpu-header-only`.
  dlopen
      A program that does not link wpu loads a host shared object (wpu.pc)
      that hosts examples/upper_provider.c's module (wpu-windows.pc) named by
      a WPU_CATALOG file.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

STEP_TIMEOUT = 900  # seconds; a step that takes longer has hung


class Failure(Exception):
    pass


def run(cmd, cwd=None, env=None, quiet=False):
    """Runs cmd (a list), prints it and (unless quiet) its output; returns the
    output. A non-zero exit status or a timeout raises Failure, printing the
    output when it was not printed."""
    print("$ " + " ".join(cmd) + (f"   (in {cwd})" if cwd else ""), flush=True)
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {STEP_TIMEOUT}s: {cmd[0]}")
    except OSError as e:
        raise Failure(f"cannot run {cmd[0]}: {e}")
    out = p.stdout
    if out and (not quiet or p.returncode != 0):
        print(out.rstrip("\n"), flush=True)
    if p.returncode != 0:
        raise Failure(f"{os.path.basename(cmd[0])} exited with status {p.returncode}")
    return out


def expect(cond, what):
    print(f"check: {what}: {'ok' if cond else 'FAILED'}", flush=True)
    if not cond:
        raise Failure(what)


def last_line(out):
    lines = [l for l in out.splitlines() if l.strip()]
    return lines[-1] if lines else ""


class Consumer:
    def __init__(self, args):
        self.prefix = os.path.realpath(args.prefix)
        self.source = os.path.realpath(args.source)
        self.work = os.path.realpath(args.work)
        self.here = os.path.join(self.source, "tests", "consumers")
        self.cc = os.environ.get("CC", "cc")
        self.cxx = os.environ.get("CXX", "c++")
        if not os.path.isfile(os.path.join(self.source, "meson.build")):
            raise Failure(f"--source {self.source}: no meson.build (not wpu's source tree)")
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        os.makedirs(self.work)

    # --- the installed tree ---
    def pkgconfig_dir(self):
        found = sorted(set(os.path.dirname(p) for p in
                           glob.glob(os.path.join(self.prefix, "**", "pkgconfig", "wpu.pc"),
                                     recursive=True)))
        if len(found) != 1:
            raise Failure(f"--prefix {self.prefix}: expected one pkgconfig/wpu.pc, found "
                          f"{len(found)} (is wpu installed there?)")
        return found[0]

    def libdir(self):
        return os.path.dirname(self.pkgconfig_dir())

    def pkg_env(self):
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = self.pkgconfig_dir()
        return env

    def pkg(self, *args):
        return run(["pkg-config", *args], env=self.pkg_env()).split()

    def cmake_build(self, src, prefix, defs):
        build = os.path.join(self.work, "build")
        env = dict(os.environ)
        env.pop("CMAKE_PREFIX_PATH", None)
        run(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=",
             f"-DCMAKE_PREFIX_PATH={prefix}", f"-DCMAKE_C_COMPILER={self.cc}",
             f"-DCMAKE_CXX_COMPILER={self.cxx}"] + [f"-D{k}={v}" for k, v in defs.items()],
            env=env)
        run(["cmake", "--build", build], env=env)
        return build

    # --- a: wpu as a Meson subproject ---
    def snapshot(self):
        """A git repository at <work>/wpu holding the source tree's files as
        they are now (tracked and untracked, ignored ones left out)."""
        try:
            # safe.directory: the tree may belong to another user (a CI
            # checkout run as root); it is only read here.
            listing = subprocess.run(["git", "-c", "safe.directory=*", "-C", self.source,
                                      "ls-files", "-z", "--cached", "--others",
                                      "--exclude-standard"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     check=True, timeout=STEP_TIMEOUT).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise Failure(f"--source {self.source} is not a git checkout: {e}")
        snap = os.path.join(self.work, "wpu")
        for rel in listing.decode().split("\0"):
            src = os.path.join(self.source, rel)
            if not rel or not os.path.lexists(src):
                continue  # deleted in the work tree
            dst = os.path.join(snap, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
        git = ["git", "-C", snap, "-c", "user.name=wpu consumers", "-c",
               "user.email=consumers@localhost", "-c", "commit.gpgsign=false"]
        run(["git", "init", "-q", snap])
        run(git + ["add", "-A"])
        run(git + ["commit", "-q", "-m", "snapshot for tests/consumers"])
        return snap

    def readme_wrap(self):
        """The first ```ini block of README.md's section "Using it"."""
        readme = open(os.path.join(self.source, "README.md"), encoding="utf-8").read()
        m = re.search(r"^## Using it\n(.*?)(?=^## )", readme, re.M | re.S)
        block = m and re.search(r"^```ini\n(.*?)^```", m.group(1), re.M | re.S)
        if not block or "[wrap-git]" not in block.group(1):
            raise Failure("README.md, \"Using it\": no ```ini block with the [wrap-git] file")
        return block.group(1)

    def subproject(self, mode):
        self.snapshot()
        parent = os.path.join(self.work, "parent")
        shutil.copytree(os.path.join(self.here, "subproject"), parent)
        os.makedirs(os.path.join(parent, "subprojects"))
        # The wrap file is README.md's, "Using it" (wpu cloned next to the
        # project, at ../wpu), taken from the README so the two cannot drift.
        with open(os.path.join(parent, "subprojects", "wpu.wrap"), "w") as f:
            f.write(self.readme_wrap())
        env = dict(os.environ)
        for v in ("PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "CMAKE_PREFIX_PATH"):
            env.pop(v, None)
        build = os.path.join(parent, "build")
        opts = [f"-Dexpected-mode={mode}"]
        if mode == "header-only":
            opts.append("-Dwpu:header-only=true")
        # --force-fallback-for: the subproject even where a wpu is installed.
        run(["meson", "setup", build, parent, "--force-fallback-for=wpu"] + opts, env=env)

        info = json.loads(run(["meson", "introspect", build, "--projectinfo"], env=env, quiet=True))
        expect([s["name"] for s in info.get("subprojects", [])] == ["wpu"],
               "dependency('wpu') came from the subproject wpu")

        listed = [l.strip() for l in run(["meson", "test", "-C", build, "--list", "--no-rebuild"],
                                         env=env).splitlines() if l.strip()]
        expect(len(listed) == 1 and listed[0].endswith("parent-uses-wpu")
               and not listed[0].startswith("wpu:"),
               "meson test --list holds only the parent's test")

        targets = json.loads(run(["meson", "introspect", build, "--targets"], env=env, quiet=True))
        from_wpu = [t for t in targets if t.get("subproject") == "wpu"]
        executables = [t["name"] for t in from_wpu if t["type"] == "executable"]
        expect(len(from_wpu) > 0 and not executables,
               f"the subproject defines targets but no executable ({executables or 'none'})")

        log = open(os.path.join(build, "meson-logs", "meson-log.txt"), errors="replace").read()
        lookups = [l for l in log.splitlines() if re.search(r"doctest|winpr", l, re.I)]
        for l in lookups:
            print("  log: " + l)
        expect(not lookups, "configuring looked up neither doctest nor WinPR")

        run(["meson", "compile", "-C", build], env=env)
        out = run(["meson", "test", "-C", build, "--print-errorlogs"], env=env)
        testlog = open(os.path.join(build, "meson-logs", "testlog.txt"), errors="replace").read()
        expect(f"wpu as a subproject ({mode}): socket handle ok" in testlog,
               "the parent's program ran in the expected mode")
        expect(re.search(r"^Ok:\s+1\s*$", out, re.M) is not None, "meson test: 1 ok")

    # --- b: C through pkg-config ---
    def pkgconfig_c(self):
        cflags = self.pkg("--cflags", "wpu")
        libs = self.pkg("--libs", "wpu")
        expect("-DWPU_SEPARATE_COMPILATION" in cflags, "wpu.pc's Cflags name the compiled mode")
        exe = os.path.join(self.work, "pkgconfig-c")
        run([self.cc, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", *cflags,
             os.path.join(self.here, "pkgconfig", "main.c"), "-o", exe, *libs, "-pthread",
             "-Wl,-rpath," + self.libdir()])
        out = run([exe])
        expect(last_line(out) == "ok", "the program's checks passed")

    # --- c: CMake ---
    def cmake(self, which):
        # A copy of the install somewhere else: the package must follow it.
        moved = os.path.join(self.work, "moved-prefix")
        shutil.copytree(self.prefix, moved, symlinks=True)
        version = self.pkg("--modversion", "wpu")[0]
        build = self.cmake_build(os.path.join(self.here, "cmake"), moved,
                                 {"WPU_CONSUMER": which, "WPU_EXPECTED_VERSION": version})
        if which == "compiled":
            out = run([os.path.join(build, "app_compiled")])
            expect(last_line(out) == "ok", "app_compiled's checks passed")
            m = re.search(r"^libwpu: (.*)$", out, re.M)
            expect(m is not None and os.path.realpath(m.group(1)).startswith(moved + os.sep),
                   "app_compiled loaded libwpu from the moved install")
            out = run([os.path.join(build, "app_c")])
            expect(last_line(out) == "ok", "app_c (C99 on wpu::wpu) passed")
        else:
            out = run([os.path.join(build, "app_header_only")])
            expect(last_line(out) == "ok: one copy of header-only wpu",
                   "the executable and its module share header-only wpu")

    # --- d: header-only, three translation units ---
    def multi_tu(self):
        build = self.cmake_build(os.path.join(self.here, "multi_tu"), self.prefix, {})
        out = run([os.path.join(build, "multi_tu")])
        expect(last_line(out) == "one library in three translation units",
               "the three units share one wpu")

    def multi_tu_pkgconfig(self):
        units = os.path.join(self.source, "tests", "headers")
        exe = os.path.join(self.work, "multi-tu")
        run([self.cxx, "-std=c++17", *self.pkg("--cflags", "wpu-header-only"), "-I" + units,
             *[os.path.join(units, f"multi_tu_{u}.cpp") for u in "abc"], "-o", exe,
             *self.pkg("--libs", "wpu-header-only")])
        out = run([exe])
        expect(last_line(out) == "one library in three translation units",
               "the three units share one wpu")

    # --- e: a dlopen'd host and a provider module ---
    def dlopen(self):
        w = self.work
        libdir = self.libdir()
        provider = os.path.join(w, "upper_provider.so")
        run([self.cc, "-std=c99", "-shared", "-fPIC", "-fvisibility=hidden",
             *self.pkg("--cflags", "wpu-windows"),
             os.path.join(self.source, "examples", "upper_provider.c"), "-o", provider,
             *self.pkg("--libs", "wpu-windows"), "-Wl,-rpath," + libdir])
        host = os.path.join(w, "libconsumer_host.so")
        run([self.cc, "-std=c99", "-shared", "-fPIC", "-fvisibility=hidden",
             *self.pkg("--cflags", "wpu"), os.path.join(self.here, "dlopen", "host.c"),
             "-o", host, *self.pkg("--libs", "wpu"), "-Wl,-rpath," + libdir])
        main = os.path.join(w, "main")
        run([self.cc, "-std=c99", os.path.join(self.here, "dlopen", "main.c"), "-o", main, "-ldl"])
        needed = run(["readelf", "-d", main], quiet=True)
        expect("libwpu" not in needed, "the program itself does not link libwpu")

        catalog = os.path.join(w, "consumer.catalog")
        with open(catalog, "w") as f:
            f.write("# tests/consumers: the one provider, for AF_INET stream sockets\n"
                    "[provider]\n"
                    "guid = {5C0A5E11-7E57-4C0D-9A11-C0D5E0000001}\n"
                    f"path = {provider}\n"
                    "protocol = consumer upper provider\n"
                    "address_family = 2\n"
                    "socket_type = 1\n"
                    "protocol_number = 6\n"
                    "provider_flags = 0x8\n"
                    "version = 2\n")
        env = dict(os.environ, WPU_CATALOG=catalog)
        out = run([main, host], env=env)
        expect("host: socket made by catalog entry 1001" in out,
               "the socket came from the catalog file's entry")
        expect("host: recv THROUGH THE HOST" in out, "the provider answered through the host")
        expect(last_line(out) == "ok: a provider hosted from a dlopen'd host",
               "the host reported success")


CONSUMERS = {
    "subproject-compiled": lambda c: c.subproject("compiled"),
    "subproject-header-only": lambda c: c.subproject("header-only"),
    "pkgconfig-c": lambda c: c.pkgconfig_c(),
    "cmake-compiled": lambda c: c.cmake("compiled"),
    "cmake-header-only": lambda c: c.cmake("header_only"),
    "multi-tu": lambda c: c.multi_tu(),
    "multi-tu-pkgconfig": lambda c: c.multi_tu_pkgconfig(),
    "dlopen": lambda c: c.dlopen(),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", choices=sorted(CONSUMERS))
    ap.add_argument("--prefix", required=True, help="the installed wpu")
    ap.add_argument("--source", required=True, help="wpu's source tree")
    ap.add_argument("--work", required=True, help="a work folder (emptied first)")
    args = ap.parse_args()
    try:
        if not os.path.isdir(args.prefix):
            raise Failure(f"--prefix {args.prefix}: no such folder (install wpu there first)")
        CONSUMERS[args.name](Consumer(args))
    except Failure as e:
        print(f"consumer {args.name} FAILED: {e}", flush=True)
        return 1
    print(f"consumer {args.name}: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
