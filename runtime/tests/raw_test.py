#!/usr/bin/env python3
"""Rewrite (every site on the trap rung, or the normal ladder), pack and run
one raw-syscall program under Wine; compare exit status and stdout.

raw_test.py BUILD_ROOT PROGRAM trap|jump STATUS STDOUT
"""
import os
import subprocess
import sys
import tempfile


def main(build, prog, mode, want_status, want_out):
    lxnt = os.path.join(build, "tools", "lxnt")
    runtime = os.path.join(build, "runtime", "lxnt-runtime.exe")
    guard = os.path.join(build, "tools", "lxnt-guard")
    env = dict(os.environ, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    env.setdefault("WINEPREFIX", os.path.join(build, "wineprefix-runtime-tests"))
    with tempfile.TemporaryDirectory() as tmp:
        src = prog
        if mode == "trap":
            src = os.path.join(tmp, "rw")
            subprocess.run([lxnt, "rewrite", prog, "-o", src, "--force-trap", "-q"], check=True)
        exe = os.path.join(tmp, os.path.basename(prog) + ".exe")
        subprocess.run([lxnt, "pack", src, "-o", exe, "--runtime", runtime], check=True)
        cmd = ["wine", exe]
        if os.access(guard, os.X_OK):
            cmd = [guard, "--"] + cmd
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, timeout=100)
    out = r.stdout.decode(errors="replace")
    ok = r.returncode == int(want_status) and out == want_out
    if not ok:
        print(f"status {r.returncode} (want {want_status}), stdout {out!r} (want {want_out!r})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
