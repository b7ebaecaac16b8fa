#!/usr/bin/env python3
"""A Linux process ended from outside lxnt (docs/runtime.md, "Records, wait
and SIGCHLD"), TAP output.

tests/guest/extkill.c makes a victim process whose child has stopped in a
group of its own, and writes the victim's pid to victim.pid.  This script
kills the victim from outside: natively with kill -9, under lxnt by
TerminateProcess of its Windows process from another Windows program
(instance_probe terminate, exit code 1 as Task Manager gives) or with
Wine's `taskkill /F`.  Linux has no outside kill, so the oracle is the
native run with kill -9, which is what lxnt promises for such an end: the
parent's wait4 sees death by SIGKILL, SIGCHLD comes with CLD_KILLED, and
the group that the death orphans gets SIGHUP and SIGCONT, whether the
parent's watcher (`parent`), the instance daemon (`orphan`: the victim's
parent had exited) or an execve's stub (`exec`: the victim runs a new
image) notices it first.  `exec` with `stub` ends the execve's stub, the
victim's first Windows process, rather than the image it runs: the image
must go too, or G's group would never be orphaned.

  tests/e2e/extkill_test.py BUILD
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import proc_stress
import tap
import winectl

RESULTS = tap.Results()
ok = RESULTS.ok


def wait_file(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        time.sleep(0.05)
    return None


def run_killed(argv, env, cwd, kill):
    """Runs argv in cwd, calls kill(victim pid) once the victim is ready,
    and returns (status, stdout, stderr)."""
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pid = wait_file(os.path.join(cwd, "victim.pid"), 60)
    note = ""
    if pid is None:
        note = "no victim.pid within 60 s\n"
    else:
        note = kill(pid) or ""
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        note += "timed out\n"
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            # Something left behind holds the pipes (a victim's image that
            # lives on); stopping the Wine server ends it.
            out, err = b"", b""
    return (p.returncode, out.decode(errors="replace").replace("\r\n", "\n"),
            note + err.decode(errors="replace").replace("\r\n", "\n"))


class Lxnt:
    def __init__(self, build, top):
        self.wine = winectl.Wine(os.path.join(build, "wineprefix-extkill"),
                                 os.path.join(build, "tools", "lxnt-guard"))
        self.tool = os.path.join(build, "tools", "lxnt-instance.exe")
        self.probe = os.path.join(build, "tests", "e2e", "instance_probe.exe")
        self.guest = os.path.join(build, "tests", "guest", "extkill")
        self.packed = os.path.join(top, "extkill.exe")
        subprocess.run([os.path.join(build, "tools", "lxnt"), "pack", self.guest, "-o",
                        self.packed], check=True, stdout=subprocess.DEVNULL)

    def env(self):
        return self.wine.env(dict(os.environ, LC_ALL="C"))

    def win_pid(self, pid):
        """The Windows pid of Linux pid, from lxnt-instance list."""
        r = subprocess.run(self.wine.command(self.tool, ["list", "-"]), env=self.env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=60)
        for line in r.stdout.decode(errors="replace").splitlines()[1:]:
            f = line.split()
            if len(f) >= 4 and f[0] == str(pid):
                return f[3]
        return None

    def first_win_pid(self, pid):
        """The Windows pid of Linux pid's first Windows process."""
        r = subprocess.run(self.wine.command(self.probe, ["first-winpid", str(pid)]),
                           env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=60)
        return r.stdout.decode().strip() if r.returncode == 0 else None

    def killer(self, how):
        def kill(pid):
            win = self.first_win_pid(pid) if how == "stub" else self.win_pid(pid)
            if win is None:
                return "pid %d is not in lxnt-instance list\n" % pid
            if how in ("terminate", "stub"):
                argv = self.wine.command(self.probe, ["terminate", win])
            else:
                argv = self.wine.command("taskkill", ["/F", "/PID", win])
            r = subprocess.run(argv, env=self.env(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            if r.returncode != 0:
                return "%s of %s failed: %s\n" % (how, win, r.stdout.decode(errors="replace"))
            return ""
        return kill

    def run(self, scenario, how, cwd):
        return run_killed(self.wine.command(self.packed, [scenario]), self.env(), cwd,
                          self.killer(how))


# kill -9 of a process while it creates processes: a shell's loop of fork
# and exec (the shell is killed while it makes the next fork child), and
# a chain of execve calls (the image is killed while it makes the next).
# Natively each `wait` sees 137; under lxnt too, and once the instance has
# ended no Windows process of the run may be left (a creator killed inside
# CreateProcess used to leave the new process suspended, holding the
# caller's output: runtime/process_create.c).
SPAWN_ROUNDS = 12
SPAWN_DRIVER = """i=0
while [ $i -lt %(rounds)d ]; do
  if [ $((i %% 2)) = 0 ]; then
    %(bb)s sh -c 'while :; do %(bb)s true; done' &
  else
    %(bb)s sh %(dir)s/chain.sh &
  fi
  p=$!
  usleep $((30000 + RANDOM %% 150000))
  kill -9 $p
  wait $p
  echo "round $i: $?"
  i=$((i+1))
done
"""


def spawn_files(top, bb, dir_):
    with open(os.path.join(top, "chain.sh"), "w") as f:
        f.write("exec %s sh %s/chain.sh\n" % (bb, dir_))
    with open(os.path.join(top, "driver.sh"), "w") as f:
        f.write(SPAWN_DRIVER % dict(rounds=SPAWN_ROUNDS, bb=bb, dir=dir_))


def run_to_files(argv, env, cwd, timeout):
    """(status, stdout, stderr), the output through files: a process left
    behind cannot hold them open."""
    with open(os.path.join(cwd, "out"), "w+b") as out, open(os.path.join(cwd, "err"), "w+b") as err:
        try:
            status = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            status = "timed out"
        out.seek(0)
        err.seek(0)
        return (status, out.read().decode(errors="replace").replace("\r\n", "\n"),
                err.read().decode(errors="replace").replace("\r\n", "\n"))


def left_behind(marker, seconds=30):
    """Processes naming this run's directory still running once the
    instance has ended (the daemon ends it just after its last client).
    A fork spare whose parent was killed ends once it has gone through
    Wine's start-up and sees the parent gone, which a loaded machine can
    stretch to seconds: hence the wait.  What is left is shown with its
    age and where it sleeps."""
    deadline = time.monotonic() + seconds
    while True:
        left = proc_stress.survivors(marker)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if left:
        pids = ",".join(l.split()[0] for l in left)
        out = subprocess.run(["ps", "-o", "pid=,etimes=,wchan:32=,args=", "-p", pids],
                             stdout=subprocess.PIPE).stdout
        left = out.decode(errors="replace").splitlines() or left
    return left


def kill_while_spawning(lx, build, top):
    name = "kill -9 while creating processes: every wait sees 137, nothing left"
    ndir, wdir = tempfile.mkdtemp(dir=top), tempfile.mkdtemp(dir=top)
    spawn_files(ndir, "busybox", ndir)
    native = run_to_files(["busybox", "sh", "driver.sh"], dict(os.environ, LC_ALL="C"), ndir, 120)
    bb = os.path.join(wdir, "busybox.exe")
    subprocess.run([os.path.join(build, "tools", "lxnt"), "pack", "/bin/busybox", "-o", bb],
                   check=True, stdout=subprocess.DEVNULL)
    spawn_files(wdir, "/mnt/z" + bb, "/mnt/z" + wdir)
    wine = run_to_files(lx.wine.command(bb, ["sh", "driver.sh"]), lx.env(), wdir, 300)
    left = left_behind(os.path.basename(wdir))
    detail = ""
    # Not stderr: ash prints "Killed" only when its `wait` reaps the job
    # itself, which natively depends on the child's death not being seen
    # before `wait` runs (a kill -9 under lxnt ends the child before kill
    # returns, so SIGCHLD often comes first).
    if native[:2] != wine[:2]:
        detail += "native: status %s\n%s%s\nlxnt: status %s\n%s%s" % (native + wine)
    if left:
        detail += "left after the instance ended:\n%s\n" % "\n".join(left)
    ok(not detail, name, detail)


def native_kill(pid):
    os.kill(pid, 9)


def compare(name, native, lxnt):
    same = native == lxnt
    detail = ""
    if not same:
        detail = "native: status %s\n%s%s\nlxnt: status %s\n%s%s" % (
            native[0], native[1], native[2], lxnt[0], lxnt[1], lxnt[2])
    ok(same, name, detail)


def main():
    # meson's timeout sends SIGTERM: the Wine server must still be stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    build = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="lxnt-extkill-") as top:
        lx = Lxnt(build, top)
        lx.wine.start()
        try:
            for scenario, how in (("parent", "terminate"), ("parent", "taskkill"),
                                  ("orphan", "terminate"), ("exec", "terminate"),
                                  ("exec", "stub")):
                ndir = tempfile.mkdtemp(dir=top)
                wdir = tempfile.mkdtemp(dir=top)
                name = "%s: ended by %s as by kill -9" % (scenario, how)
                try:
                    native = run_killed([lx.guest, scenario], dict(os.environ, LC_ALL="C"),
                                        ndir, native_kill)
                    compare(name, native, lx.run(scenario, how, wdir))
                except subprocess.TimeoutExpired as e:
                    ok(False, name, "timed out: %s" % e)
            kill_while_spawning(lx, build, top)
        finally:
            lx.wine.stop()
    return RESULTS.finish()


if __name__ == "__main__":
    sys.exit(main())
