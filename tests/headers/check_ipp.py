#!/usr/bin/env python3
"""check_ipp.py ROOT: every .ipp of wpu may be included by several translation
units of one program (header-only mode), so whatever it defines at namespace
scope must be inline: a function or variable starts with WPU_DECL (`inline` in
header-only mode), inline, constexpr or template. `extern` declarations (no
initializer) and top-level __asm__ (which must emit COMDAT or weak symbols:
the three-unit link checks that) pass. A namespace-scope `static`
or an anonymous namespace is refused too: each translation unit would get its
own copy of the state. Also checks that every .ipp on disk is included by a
header in header-only mode, so the three-translation-unit test compiles it.

The check reads the code as clang-format leaves it (.clang-format: namespace
bodies are not indented), so a namespace-scope declaration is one that starts
in column 0; anything in column 0 that is not on the list below is reported.
It is a cheap first line; the link of tests/headers/multi_tu_*.cpp is the test.
Exit status 0, or 1 with one line per finding."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
dirs = ["include/wpu/impl", "include/wpu/detail/impl", "posix/wpu/posix/impl", "win32/wpu/win32/impl"]
allowed = re.compile(
    r"(WPU_DECL\b|inline\b|constexpr\b|template\b|namespace\s+\w|WPU_NAMESPACE_(BEGIN|END)\b"
    r"|extern\b[^=]*;\s*$|extern \"\" \{|__asm__\(|\}|using\b|typedef\b|static_assert\b"
    r"|(struct|class|union|enum)\b[^(]*[{;]\s*$)")


def strip(text):
    """Drops comments and string/char literals, keeping the line structure."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


findings = []
ipps = []
for d in dirs:
    for path in sorted((root / d).glob("*.ipp")):
        ipps.append(path)
        lines = strip(path.read_text()).split("\n")
        prev = ""
        for no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if line.startswith("#") or line[0].isspace():
                if not line.startswith("#"):
                    prev = line.strip()
                continue
            # A line continuing a statement (after a template head or an open
            # parenthesis/comma) is not a declaration of its own.
            if prev.startswith("template") and prev.endswith(">") or prev.endswith((",", "(")):
                prev = line.strip()
                continue
            prev = line.strip()
            if re.match(r"static\b", line) or re.match(r"namespace\s*\{", line):
                findings.append(f"{path.relative_to(root)}:{no}: internal linkage at namespace "
                                f"scope (one copy per translation unit): {line.strip()}")
            elif not allowed.match(line):
                findings.append(f"{path.relative_to(root)}:{no}: namespace-scope definition "
                                f"without WPU_DECL/inline/constexpr/template: {line.strip()}")

# Every .ipp must be reachable in header-only mode: included by some header
# (not only by impl/src.hpp, the compiled library).
headers = [p for d in ["include", "posix", "win32"] for p in (root / d).rglob("*")
           if p.suffix in (".hpp", ".h", ".ipp") and p.name != "src.hpp"]
included = set()
for h in headers:
    included.update(re.findall(r"#\s*include\s*<(wpu/[^>]+\.ipp)>", h.read_text()))
for path in ipps:
    rel = path.relative_to(root).as_posix()
    name = "wpu/" + rel.split("/wpu/", 1)[1] if "/wpu/" in rel else rel
    if name not in included:
        findings.append(f"{rel}: not included by any header in header-only mode")

if not ipps:
    findings.append(f"no .ipp files under {root}")
for f in findings:
    print(f)
print(f"check_ipp: {len(ipps)} files, {len(findings)} findings")
sys.exit(1 if findings else 0)
