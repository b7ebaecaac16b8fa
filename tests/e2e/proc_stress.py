#!/usr/bin/env python3
"""Stress test of processes (docs/testing.md): N cycles of fork, execve of
a packed program and wait, in one converted process under the guard
(tests/guest/spawn_loop), checking that nothing leaks.

  tests/e2e/proc_stress.py --build BUILD [--cycles N]

A first run of BASELINE cycles lets the prefix start its services and
gives the handle count of a short run; then the run of N cycles.  It
fails when a cycle fails, when the Wine processes of the prefix are more
(other than its services) after the N cycles than before them, when a Windows process naming the
run's directory is left, or when the converted process ends the long run
holding more than HANDLE_SLACK handles more than the short one (its
LXNT_HANDLES line, runtime/stats.c).  meson test runs it with the full
1,000 cycles (suite e2e, test proc-stress).

Then a chain of CHAIN execve calls in one process, each mapping an ELF
file of a converted root in place of the last (runtime/exec_here.c,
tests/guest/elfexec.c `exec N`, dynamic, so ld.so and libc are mapped
each time): it fails when the chain fails or ends holding more than
HANDLE_SLACK handles more than a chain of BASELINE.

Then KILL_CYCLES cycles under busybox sh while the instance daemon is
killed (SIGKILL to its Wine process) every KILL_PERIOD seconds: the run
must end in time, each kill must be followed by a new daemon, and the
instance's table, read by lxnt-instance from the same shell once the
loop is done, must hold no thread and no ended process; afterwards no
daemon may be left.

After the long run and after the daemon-kill run, no exec spare
(runtime/exec_spare.c) of the run's busybox.exe may still be running
once the instance has ended (they end with its daemon).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import elfroot
import winectl

BASELINE = 10
# A leak of one handle per cycle shows as N - BASELINE more; the slack
# only absorbs handles the runtime opens once, whenever first needed.
HANDLE_SLACK = 8
CHAIN = 500
KILL_PERIOD = 0.4
DAEMON = "lxnt-daemon"


def survivors(marker):
    """Processes whose command line names this run's directory."""
    out = subprocess.run(["ps", "-eo", "pid=,stat=,args="], stdout=subprocess.PIPE).stdout
    lines = out.decode(errors="replace").splitlines()
    return [l for l in lines if marker in l and not l.split(None, 2)[1].startswith("Z")]


def spares_left(marker, seconds=5):
    """Exec spares (runtime/exec_spare.c) of this run's busybox.exe still
    running once the instance has ended: a spare's command line names
    its module alone.  They end with the daemon; waits a little for them."""
    deadline = time.monotonic() + seconds
    while True:
        left = [l for l in survivors(marker) if l.rstrip().endswith("busybox.exe")]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def daemons(prefix):
    """The Wine pids (Linux) of the prefix's instance daemons."""
    return [p for p, c in winectl.prefix_processes(prefix) if c == DAEMON]


def settle(prefix, seconds=10):
    """Waits until no daemon is left (the daemon ends the instance just
    after its last client); True if none is."""
    deadline = time.monotonic() + seconds
    while daemons(prefix):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def kill_daemons(prefix, stop, kills):
    """Every KILL_PERIOD seconds, SIGKILL to the daemon of the moment."""
    while not stop.wait(KILL_PERIOD):
        for pid in daemons(prefix):
            try:
                os.kill(pid, 9)
                kills.append(pid)
            except OSError:
                pass


def run_killing(wine, sh, loop, child, tool, cycles, top):
    """The loop under sh while daemons are killed, then lxnt-instance's
    status of the instance from the same shell (which holds the table)."""
    script = "/mnt/z%s %d /mnt/z%s && /mnt/z%s status - && /mnt/z%s list -" % (
        loop, cycles, child, tool, tool)
    env = wine.env(dict(os.environ, LC_ALL="C"))
    stop, kills = threading.Event(), []
    killer = threading.Thread(target=kill_daemons, args=(wine.prefix, stop, kills))
    killer.start()
    try:
        r = subprocess.run(wine.command(sh, ["sh", "-c", script]), env=env, cwd=top,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 + cycles * 2)
    finally:
        stop.set()
        killer.join()
    return r, len(kills)


def handle_count(path):
    """The count of the LXNT_HANDLES line, or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        m = re.search(r"^lxnt-handles ([0-9]+)$", f.read(), re.M)
    return int(m.group(1)) if m else None


def run_loop(wine, loop, child, cycles, top, tag):
    handles = os.path.join(top, "handles-" + tag)
    env = wine.env(dict(os.environ, LC_ALL="C", LXNT_HANDLES="Z:" + handles))
    r = subprocess.run(wine.command(loop, [str(cycles), "/mnt/z" + child]), env=env, cwd=top,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 + cycles * 2)
    return r, handle_count(handles)


def chain_root(lxnt, build, top):
    """A converted root holding elfexec-dyn and the shared objects it
    loads, at the paths ld.so looks them up by, and this machine's users
    (lxnt.exe runs as the root's user of its Windows user's name)."""
    src, root = os.path.join(top, "chain-src"), os.path.join(top, "chain-root")
    prog = os.path.join(build, "tests", "guest", "elfexec-dyn")
    files = {"/bin/elfexec-dyn": prog, "/etc/passwd": "/etc/passwd", "/etc/group": "/etc/group"}
    files.update({p: p for p in elfroot.shared_objects(prog)})
    for rel, path in files.items():
        dest = os.path.join(src, rel.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(path, dest)
        os.chmod(dest, 0o755)
    os.makedirs(os.path.join(src, "tmp"))
    subprocess.run([lxnt, "convert", src, root, "-q"], check=True, stdout=subprocess.DEVNULL)
    return root


def run_chain(wine, lxnt_exe, root, n, top, tag):
    """elfexec-dyn execs itself n times in one process, under lxnt.exe."""
    handles = os.path.join(top, "handles-" + tag)
    # Wine maps the metadata store's U+F000 names to Unix ones in the
    # locale's charset: they need UTF-8.
    env = wine.env(dict(os.environ, LC_ALL="C.UTF-8", LXNT_HANDLES="Z:" + handles))
    r = subprocess.run(wine.command(lxnt_exe, ["--root", "Z:" + root.replace("/", "\\"),
                                               "--exec", "/bin/elfexec-dyn", "exec", str(n)]),
                       env=env, cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60 + n)
    ok = r.returncode == 0 and b"exec 0, pid same: yes" in r.stdout
    return ok, r, handle_count(handles)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--kill-cycles", type=int, default=200,
                    help="cycles of the run that kills the daemon (0: none)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    lxnt = os.path.join(build, "tools", "lxnt")
    # Its own prefix: stopping the server at the end must not end a
    # differential run that shares the suite's.
    wine = winectl.Wine(os.path.join(build, "wineprefix-stress"),
                        os.path.join(build, "tools", "lxnt-guard"))
    problems = []
    with tempfile.TemporaryDirectory(prefix="lxnt-proc-stress-") as top:
        loop = os.path.join(top, "spawn_loop.exe")
        child = os.path.join(top, "busybox.exe")
        subprocess.run([lxnt, "pack", os.path.join(build, "tests", "guest", "spawn_loop"), "-o", loop],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([lxnt, "pack", "/bin/busybox", "-o", child], check=True,
                       stdout=subprocess.DEVNULL)
        tool = os.path.join(build, "tools", "lxnt-instance.exe")
        root = chain_root(lxnt, build, top)
        lxnt_exe = os.path.join(build, "runtime", "lxnt.exe")
        killed = None
        wine.start()
        try:
            base, base_handles = run_loop(wine, loop, child, BASELINE, top, "baseline")
            settle(wine.prefix)
            before = winectl.prefix_processes(wine.prefix)
            r, handles = run_loop(wine, loop, child, args.cycles, top, "run")
            settled = settle(wine.prefix)
            spares = spares_left(os.path.basename(top))
            after = winectl.prefix_processes(wine.prefix)
            left = survivors(os.path.basename(top))
            chain_base = run_chain(wine, lxnt_exe, root, BASELINE, top, "chain-baseline")
            chain = run_chain(wine, lxnt_exe, root, CHAIN, top, "chain")
            settled = settle(wine.prefix) and settled
            if args.kill_cycles:
                killed = run_killing(wine, child, loop, child, tool, args.kill_cycles, top)
                settled = settle(wine.prefix) and settled
                spares += spares_left(os.path.basename(top))
                after_kills = winectl.prefix_processes(wine.prefix)
                left += survivors(os.path.basename(top))
        finally:
            wine.stop()
    print(r.stdout.decode(errors="replace").strip())
    for name, run in (("baseline", base), ("run", r)):
        if run.returncode != 0:
            problems.append("%s: spawn_loop exited %d: %s" % (
                name, run.returncode, run.stderr.decode(errors="replace")[:300]))
    if spares:
        problems.append("exec spares outlived their instance: %s" % spares)
    if left:
        problems.append("processes left after the run: %s" % left)
    if not settled:
        problems.append("an instance daemon outlived its last client")
    if killed:
        kr, kills = killed
        out = kr.stdout.decode(errors="replace").replace("\r\n", "\n")
        print("daemon killed %d times in %d cycles" % (kills, args.kill_cycles))
        print(out.strip())
        m = re.search(r"^entries ([0-9]+) processes, ([0-9]+) threads, ([0-9]+) ended$", out, re.M)
        if kr.returncode != 0:
            problems.append("daemon-kill run exited %d: %s" % (
                kr.returncode, kr.stderr.decode(errors="replace")[:300]))
        elif not m:
            problems.append("daemon-kill run: no table status")
        elif int(m.group(2)) or int(m.group(3)):
            problems.append("daemon-kill run: entries left in the table: %s" % m.group(0))
        if kills < 2:
            problems.append("daemon-kill run: the daemon was killed %d times, too few to "
                            "tell" % kills)
        if len(after_kills) > len(before):
            problems.append("wine processes grew after the daemon-kill run: %s" % sorted(
                set(after_kills) - set(before)))
    for name, (ok, run, _) in (("chain of %d" % BASELINE, chain_base),
                               ("chain of %d" % CHAIN, chain)):
        if not ok:
            problems.append("%s execve calls in place: exit %d: %s" % (
                name, run.returncode, run.stderr.decode(errors="replace")[:300]))
    print("handles at exit of an execve chain: %s after %d, %s after %d" % (
        chain_base[2], BASELINE, chain[2], CHAIN))
    if chain_base[2] is None or chain[2] is None:
        problems.append("no LXNT_HANDLES line from the execve chain")
    elif chain[2] - chain_base[2] > HANDLE_SLACK:
        problems.append("handles leak in execve in place: %d more after %d than after %d" % (
            chain[2] - chain_base[2], CHAIN, BASELINE))
    print("wine processes of the prefix: %d before, %d after" % (len(before), len(after)))
    if len(after) > len(before):
        problems.append("wine processes grew: %s" % sorted(set(after) - set(before)))
    print("handles at exit: %s after %d cycles, %s after %d" % (
        base_handles, BASELINE, handles, args.cycles))
    if base_handles is None or handles is None:
        problems.append("no LXNT_HANDLES line")
    elif handles - base_handles > HANDLE_SLACK:
        problems.append("handles leak: %d more after %d cycles than after %d" % (
            handles - base_handles, args.cycles, BASELINE))
    for p in problems:
        print("FAIL", p)
    if not problems:
        print("PASS %d cycles, no process or handle left; %d with the daemon killed, "
              "no table entry left" % (args.cycles, args.kill_cycles))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
