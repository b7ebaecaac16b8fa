#!/usr/bin/env python3
"""Runs rewritten programs on Linux under minirun (a stand-in for the
runtime that serves the site table through the GS base) and compares exit
status, stdout and stderr with the original program run natively.  TAP.

  minirun_test.py LXNT MINIRUN PROGRAM...
Each PROGRAM is rewritten twice (default ladder and --force-trap).
"""
import os
import shutil
import subprocess
import sys
import tempfile

BUSYBOX_CASES = [
    ["echo", "hello", "world"],
    ["sh", "-c", "x=0; for i in 1 2 3 4 5; do x=$((x+i)); done; echo $x; printf '%s\\n' b a | sort; echo $(echo sub)"],
    ["sh", "-c", "trap 'echo got' USR1; kill -USR1 $$; echo after"],
    ["awk", "BEGIN { for (i = 0; i < 5; i++) s += i * i; print s, sqrt(2) }"],
    ["md5sum", "/bin/busybox"],
    ["sed", "-n", "s/root/ROOT/p", "/etc/passwd"],
    ["date", "-u", "-d", "@86400"],
    ["ls", "-l", "/etc/passwd"],
    ["sh", "-c", "seq 1 3000 | sort -rn | head -3; seq 500 | gzip -c | gunzip -c | md5sum; seq 3 | xargs echo"],
]
BASH_CASES = [
    ["-c", "a=(3 1 2); echo ${#a[@]} ${a[*]}; declare -A m; m[k]=v; echo ${m[k]} $((2**40)); echo $(echo sub) | tr a-z A-Z"],
    ["-c", "trap 'echo got' USR1; kill -USR1 $$; for i in 1 2 3; do echo $i; done; exit 3"],
]


def cases_for(prog):
    base = os.path.basename(prog)
    if base == "busybox":
        return [["busybox"] + c for c in BUSYBOX_CASES]
    if base.startswith("bash"):
        return [["bash"] + c for c in BASH_CASES]
    return [[base], [base, "one", "two"]]


def run(argv, exe):
    r = subprocess.run(argv, executable=exe, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env={}, timeout=60)
    return r.returncode, r.stdout, r.stderr


def main(argv):
    lxnt, minirun, progs = argv[0], argv[1], argv[2:]
    tmp = tempfile.mkdtemp(prefix="lxnt-minirun-")
    results = []
    try:
        for prog in progs:
            if not os.path.exists(prog):
                results.append(("%s (not installed)" % prog, None, []))
                continue
            for mode in ("ladder", "force-trap"):
                out = os.path.join(tmp, os.path.basename(prog) + "." + mode)
                cmd = [lxnt, "rewrite", "-q", prog, "-o", out]
                if mode == "force-trap":
                    cmd.append("--force-trap")
                r = subprocess.run(cmd, stderr=subprocess.PIPE)
                if r.returncode != 0:
                    results.append(("rewrite %s %s" % (prog, mode), False, [r.stderr.decode()]))
                    continue
                for case in cases_for(prog):
                    want = run(case, prog)
                    got = run([minirun, out] + case, minirun)
                    detail = [] if want == got else ["native: %r" % (want,), "minirun: %r" % (got,)]
                    results.append(("%s %s: %s" % (os.path.basename(prog), mode, " ".join(case)[:60]),
                                    want == got, detail))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % len(results))
    failed = 0
    for n, (name, ok, detail) in enumerate(results, 1):
        if ok is None:
            print("ok %d - %s # SKIP" % (n, name))
            continue
        failed += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        for d in detail:
            print("#   %s" % d[:400])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
