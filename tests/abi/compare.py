#!/usr/bin/env python3
"""Compare the SPI layout printed by abi_layout.c natively (wpu's header) with
the same program built by mingw-w64 against the real Windows headers and run
under Wine. Usage: compare.py NATIVE_EXE MINGW_CC WINE SOURCE INCLUDE_DIR.
Exit 77 (meson: skipped) when the mingw compiler or Wine is missing."""
import os
import shutil
import subprocess
import sys
import tempfile

native_exe, mingw_cc, wine, source, include_dir = sys.argv[1:6]
if not shutil.which(mingw_cc) or not os.path.exists(wine):
    print("mingw-w64 or wine64 not installed: skipped")
    sys.exit(77)

native = subprocess.run([native_exe], check=True, capture_output=True, text=True).stdout
with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "abi_layout.exe")
    subprocess.run([mingw_cc, "-std=c99", "-Wall", "-static", "-I", include_dir, "-o", exe,
                    source, "-lws2_32"], check=True)
    env = dict(os.environ, WINEDEBUG="-all")
    windows = subprocess.run([wine, exe], check=True, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, env=env).stdout.replace("\r\n", "\n")

n_lines, w_lines = native.splitlines(), windows.splitlines()
diff = [(a, b) for a, b in zip(n_lines, w_lines) if a != b]
if len(n_lines) != len(w_lines):
    diff.append((f"{len(n_lines)} lines", f"{len(w_lines)} lines"))
for a, b in diff:
    print(f"native: {a!r}  windows: {b!r}")
print(f"{len(n_lines)} layout lines compared, {len(diff)} differ")
sys.exit(1 if diff else 0)
