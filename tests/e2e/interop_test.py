#!/usr/bin/env python3
"""A Windows program's standard handles for files that have none of their
own (docs/vfs.md, "Windows programs' standard handles"), as TAP:

  interop_test.py BUILD_DIR

A packed busybox, in a rootfs, runs tests/e2e/wincat.exe (a Windows
program that uses only its standard handles) with a FIFO, a /proc file,
/dev/zero and /dev/full as its standard input or output, which the
execve's stub relays through pipes.  Linux cannot run a Windows program,
so each check's expected output is written here, from what the same
redirection gives a Linux program (cat, head -c) where one exists: the
bytes a FIFO carries, /proc/version as cat reads it, ENOSPC of /dev/full
as a failed write, 143 for a SIGTERM and 141 for a FIFO whose reader
went (busybox sh with cat and yes in wincat's place gives the same).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
import winectl  # noqa: E402

# name, script (W is wincat.exe's path under lxnt), expected output.
CHECKS = [
    ("a /proc file as standard input",
     'a=$(cat /proc/version); b=$($W copy < /proc/version); echo "rc=$?"; '
     '[ "$a" = "$b" ] && echo same || { echo "cat: $a"; echo "wincat: $b"; }',
     "rc=0\nsame\n"),
    ("a FIFO as standard input, its writer in the background",
     "mkfifo fin; printf 'one\\ntwo\\n' > fin & $W copy < fin; echo \"rc=$?\"; wait",
     "one\ntwo\nrc=0\n"),
    ("a FIFO as standard output: 300,000 bytes through a 64 KiB pipe",
     "mkfifo fout; cat fout > out & $W big 300000 > fout; echo \"rc=$?\"; wait; "
     "wc -c < out; head -c 30 out; echo",
     "rc=0\n300000\nabcdefghijklmnopqrstuvwxyzabcd\n"),
    ("2>&1 into one FIFO",
     "mkfifo fboth; cat fboth > both & $W both > fboth 2>&1; echo \"rc=$?\"; wait; sort both",
     "rc=0\nto standard error\nto standard output\n"),
    ("/dev/zero as standard input: the program reads what it wants and ends",
     "$W zeros 200000 < /dev/zero; echo \"rc=$?\"",
     "200000 bytes read, 200000 zero\nrc=0\n"),
    # The relay's first write fails, and it closes the pipe: the writes
    # that follow fail (those already in the pipe's 64 KiB succeeded).
    ("/dev/full as standard output: the writes fail",
     "$W big 1000000 > /dev/full; echo \"rc=$?\"",
     "rc=3\n"),
    ("the exit code with relays",
     "$W exit 7 < /dev/zero > /dev/full; echo \"rc=$?\"",
     "rc=7\n"),
    # Signals to the pid of a Windows program end its stub with their
    # status, and the stub's job ends the program: as `cat` natively.
    ("kill -TERM of a Windows program reading a pipe: 143",
     "sleep 30 | $W copy & p=$!; sleep 2; kill $p; wait $p; echo \"killed: $?\"; kill %1",
     "killed: 143\n"),
    ("kill -TERM of a Windows program reading a FIFO through the relay: 143",
     "mkfifo fk; sleep 30 > fk & $W copy < fk & p=$!; sleep 2; kill $p; wait $p; "
     "echo \"killed: $?\"; kill %1",
     "killed: 143\n"),
    ("a FIFO whose reader goes: SIGPIPE, 141 (as `yes > f`)",
     "mkfifo fp; head -c 10 fp > /dev/null & $W big 1000000 > fp; echo \"rc=$?\"; wait",
     "rc=141\n"),
    ("a FIFO whose writer is slow: the program waits for each line",
     "mkfifo fslow; (echo a; sleep 1; echo b) > fslow & $W copy < fslow; echo \"rc=$?\"; wait",
     "a\nb\nrc=0\n"),
]


def main(argv):
    build = os.path.abspath(argv[0])
    results = tap.Results()
    wine = winectl.Wine(os.path.join(build, "wineprefix-interop"),
                        os.path.join(build, "tools", "lxnt-guard"))
    wincat = os.path.join(build, "tests", "e2e", "wincat.exe")
    top = tempfile.mkdtemp(prefix="lxnt-interop-")
    wine.start()
    try:
        bb = os.path.join(top, "busybox.exe")
        subprocess.run([os.path.join(build, "tools", "lxnt"), "pack", "/bin/busybox", "-o", bb],
                       check=True, stdout=subprocess.DEVNULL)
        root = os.path.join(top, "root")
        os.mkdir(root)
        # A UTF-8 locale: Wine stores the names of the rootfs's metadata
        # store only in one (docs/testing.md).
        env = wine.env(dict(os.environ, LC_ALL="C.UTF-8", LXNT_ROOT="Z:" + root.replace("/", "\\")))
        for name, script, expected in CHECKS:
            work = "/w%d" % CHECKS.index((name, script, expected))
            full = "mkdir %s && cd %s && W=/mnt/z%s && { %s; }" % (work, work, wincat, script)
            try:
                r = subprocess.run(wine.command(bb, ["sh", "-c", full]), env=env, cwd=root,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=120)
                out = r.stdout.decode(errors="replace").replace("\r\n", "\n")
                err = r.stderr.decode(errors="replace")
                good = r.returncode == 0 and out == expected
                detail = "status %d\nexpected %r\ngot      %r\nstderr %r" % (
                    r.returncode, expected, out, err[-500:])
            except subprocess.TimeoutExpired:
                good, detail = False, "timed out"
            results.ok(good, name, detail)
    finally:
        wine.stop()
        shutil.rmtree(top, ignore_errors=True)
    return results.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
