#!/usr/bin/env python3
"""The instance daemon under Wine (docs/architecture.md, "Processes and
the instance"), TAP output:

- the table and its objects carry a DACL of one ACE, the user's
  (instance_probe dacl);
- `lxnt-instance list` shows the processes of a running shell, with init;
- lifetime: a background `sleep 100` left by `sh -c` ends with the shell,
  the Windows client, and the daemon exits;
- the install lock: a Linux process starting while `lxnt-instance lock`
  runs is refused with status 1 and the message; once the lock holder is
  killed, processes start again; `lock` refuses while processes run unless
  --terminate, which ends them.

  tests/e2e/daemon_test.py BUILD
"""
import os
import subprocess
import sys
import tempfile
import time

import tap
import winectl

RESULTS = tap.Results()
ok = RESULTS.ok


def wait_for(pred, seconds):
    deadline = time.monotonic() + seconds
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


class Instance:
    def __init__(self, build, top):
        self.wine = winectl.Wine(os.path.join(build, "wineprefix-daemon"),
                                 os.path.join(build, "tools", "lxnt-guard"))
        self.tool = os.path.join(build, "tools", "lxnt-instance.exe")
        self.probe = os.path.join(build, "tests", "e2e", "instance_probe.exe")
        self.busybox = os.path.join(top, "busybox.exe")
        self.top = top
        subprocess.run([os.path.join(build, "tools", "lxnt"), "pack", "/bin/busybox", "-o",
                        self.busybox], check=True, stdout=subprocess.DEVNULL)

    def env(self):
        return self.wine.env(dict(os.environ, LC_ALL="C"))

    def run(self, exe, args, timeout=60):
        r = subprocess.run(self.wine.command(exe, args), env=self.env(), cwd=self.top,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return (r.returncode, r.stdout.decode(errors="replace").replace("\r\n", "\n"),
                r.stderr.decode(errors="replace").replace("\r\n", "\n"))

    def start(self, exe, args):
        return subprocess.Popen(self.wine.command(exe, args), env=self.env(), cwd=self.top,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    def tool_out(self, *args):
        return self.run(self.tool, list(args))[1]

    def daemon_running(self):
        return "daemon running" in self.tool_out("status", "-")

    def busybox_left(self):
        return [c for p, c in winectl.prefix_processes(self.wine.prefix) if "busybox" in c]


def test_dacl(inst):
    st, out, _ = inst.run(inst.probe, ["dacl"])
    ok(st == 0, "the table, its mutex and the daemon's event: one ACE, the user's", out)


def test_list(inst):
    sh = inst.start(inst.busybox, ["sh", "-c", "sleep 4; true"])
    rows = wait_for(lambda: [l.split() for l in inst.tool_out("list", "-").splitlines()[1:]
                             if len(l.split()) >= 4 and l.split()[2] == "running"]
                    if len(inst.tool_out("list", "-").splitlines()) >= 4 else None, 15) or []
    sh.wait(timeout=60)
    pids = {r[0]: r for r in rows}
    init = [r for r in rows if r[0] == "1" and "init" in r]
    client = [r for r in rows if "windows-client" in r]
    child = [r for r in rows if client and r[1] == client[0][0]]
    ok(bool(init and client and child), "lxnt-instance list: init, the shell and its child",
       "\n".join(" ".join(r) for r in rows))
    ok(wait_for(lambda: not inst.daemon_running(), 15), "the daemon exits after the shell")
    del pids


def test_lifetime(inst):
    st, out, err = inst.run(inst.busybox, ["sh", "-c", "sleep 100 & echo started"])
    ok(st == 0 and out.strip() == "started", "sh -c 'sleep 100 &' returns", out + err)
    gone = wait_for(lambda: not inst.busybox_left(), 15)
    ok(gone, "the background sleep ends with its Windows client", str(inst.busybox_left()))
    ok(wait_for(lambda: not inst.daemon_running(), 15), "the daemon exits with the instance")


def test_lock(inst):
    holder = inst.start(inst.tool, ["lock", "-", "install", "--", inst.probe, "sleep", "60000"])
    locked = wait_for(lambda: "install lock installing" in inst.tool_out("status", "-"), 20)
    st, out, err = inst.run(inst.busybox, ["true"])
    ok(locked and st == 1 and "is being installed; try again later" in err,
       "a process starting under the install lock is refused", "status %d: %s" % (st, err))
    # A holder killed at any moment releases the lock (an abandoned mutex).
    tool_pids = [p for p, c in winectl.prefix_processes(inst.wine.prefix) if "lxnt-instance" in c]
    for p in tool_pids:
        os.kill(p, 9)
    holder.wait(timeout=30)
    for p, c in winectl.prefix_processes(inst.wine.prefix):
        if "instance_probe" in c:
            os.kill(p, 9)
    st, out, err = inst.run(inst.busybox, ["echo", "in"])
    ok(st == 0 and out.strip() == "in", "after the holder is killed, processes start",
       "status %d: %s" % (st, err))
    # Running processes: refused, unless --terminate.
    sh = inst.start(inst.busybox, ["sh", "-c", "sleep 30; true"])
    wait_for(inst.daemon_running, 15)
    st, out, err = inst.run(inst.tool, ["lock", "-", "remove", "--", inst.probe, "sleep", "1"])
    ok(st == 1 and "processes of the instance run" in err, "lock refuses while processes run",
       "status %d: %s" % (st, err))
    st, out, err = inst.run(inst.tool, ["lock", "-", "remove", "--terminate", "--", inst.probe,
                                        "sleep", "1"])
    try:
        sh.wait(timeout=20)
        ended = True
    except subprocess.TimeoutExpired:
        sh.kill()
        ended = False
    ok(st == 0 and ended, "lock --terminate ends them and runs the command",
       "status %d: %s" % (st, err))
    ok(wait_for(lambda: not inst.busybox_left(), 15), "no process of the instance is left",
       str(inst.busybox_left()))


def main():
    build = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="lxnt-daemon-") as top:
        inst = Instance(build, top)
        inst.wine.start()
        try:
            for t in (test_dacl, test_list, test_lifetime, test_lock):
                try:
                    t(inst)
                except subprocess.TimeoutExpired as e:
                    ok(False, t.__name__, "timed out: %s" % e)
        finally:
            inst.wine.stop()
    return RESULTS.finish()


if __name__ == "__main__":
    sys.exit(main())
