#!/usr/bin/env python3
"""The syscall guard's own tests (docs/testing.md).

  guard_test.py native GUARD EXPECT PROGRAM...   run PROGRAM under the guard
  guard_test.py unpatched BUILD_DIR             pack tests/guest/guard_victim
                                                with --no-rewrite, run it under
                                                Wine and the guard

EXPECT is "sigsys" (the process must die of SIGSYS) or an exit status.
"""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import winectl  # noqa: E402


def check(argv, expect, env=None):
    # Files, not pipes: a Wine helper process could hold a pipe open.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        r = subprocess.run(argv, env=env, stdout=out, stderr=err, timeout=120)
        out.seek(0)
        err.seek(0)
        r.stdout, r.stderr = out.read(), err.read()
    got = "sigsys" if r.returncode == -signal.SIGSYS else str(r.returncode)
    print("%s: %s (expected %s)" % (" ".join(argv), got, expect))
    if r.stdout or r.stderr:
        print("stdout %r stderr %r" % (r.stdout[:300], r.stderr[:300]))
    if expect == "sigsys" and r.stdout:
        print("the guarded program ran far enough to write output")
        return 1
    return 0 if got == expect else 1


def unpatched(build):
    build = os.path.abspath(build)
    guard = os.path.join(build, "tools", "lxnt-guard")
    lxnt = os.path.join(build, "tools", "lxnt")
    victim = os.path.join(build, "tests", "guest", "guard_victim")
    with tempfile.TemporaryDirectory(prefix="lxnt-guard-") as tmp:
        exe = os.path.join(tmp, "guard_victim.exe")
        r = subprocess.run([lxnt, "pack", "--no-rewrite", victim, "-o", exe])
        if r.returncode != 0 or not os.path.exists(exe):
            print("lxnt pack --no-rewrite failed with %d" % r.returncode)
            return 1
        wine = winectl.Wine(os.path.join(build, "wineprefix"), guard)
        wine.start()
        try:
            return check(wine.command(exe, []), "sigsys", wine.env(os.environ))
        finally:
            wine.stop()


def main(argv):
    if len(argv) >= 4 and argv[0] == "native":
        return check([argv[1]] + argv[3:], argv[2])
    if len(argv) == 2 and argv[0] == "unpatched":
        return unpatched(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
