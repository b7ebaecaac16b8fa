#!/usr/bin/env python3
"""Stress test of processes (docs/testing.md): N cycles of fork, execve of
a packed program and wait, in one converted process under the guard
(tests/guest/spawn_loop), then a check that no process of the run is left.

  tests/e2e/proc_stress.py --build BUILD [--cycles N]

Prints the mean cycle time; exits non-zero when a cycle fails or a Windows
process of the run outlives it.  Not part of `meson test`: 1,000 cycles
take minutes under Wine.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import winectl


def survivors(marker):
    """Processes whose command line names this run's directory."""
    out = subprocess.run(["ps", "-eo", "pid=,stat=,args="], stdout=subprocess.PIPE).stdout
    lines = out.decode(errors="replace").splitlines()
    return [l for l in lines if marker in l and not l.split(None, 2)[1].startswith("Z")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=1000)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    lxnt = os.path.join(build, "tools", "lxnt")
    # Its own prefix: stopping the server at the end must not end a
    # differential run that shares the suite's.
    wine = winectl.Wine(os.path.join(build, "wineprefix-stress"),
                        os.path.join(build, "tools", "lxnt-guard"))
    with tempfile.TemporaryDirectory(prefix="lxnt-proc-stress-") as top:
        loop = os.path.join(top, "spawn_loop.exe")
        child = os.path.join(top, "busybox.exe")
        subprocess.run([lxnt, "pack", os.path.join(build, "tests", "guest", "spawn_loop"), "-o", loop],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([lxnt, "pack", "/bin/busybox", "-o", child], check=True,
                       stdout=subprocess.DEVNULL)
        wine.start()
        try:
            r = subprocess.run(wine.command(loop, [str(args.cycles), "/mnt/z" + child]),
                               env=wine.env(dict(os.environ, LC_ALL="C")), cwd=top,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=60 + args.cycles * 2)
            left = survivors(os.path.basename(top))
        finally:
            wine.stop()
    print(r.stdout.decode(errors="replace").strip())
    problems = []
    if r.returncode != 0:
        problems.append("spawn_loop exited %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[:300]))
    if left:
        problems.append("processes left after the run: %s" % left)
    for p in problems:
        print("FAIL", p)
    if not problems:
        print("PASS %d cycles, no process left" % args.cycles)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
