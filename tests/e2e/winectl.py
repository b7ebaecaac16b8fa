"""The test suite's own Wine: one prefix, one persistent wineserver, no crash
debugger, and every Wine process started under lxnt-guard.

Used by harness.py and guard_test.py; docs/testing.md explains the choices.
"""
import os
import shutil
import subprocess

# Wine's crash handler (winedbg) would otherwise print a backtrace or wait
# for a debugger when a guest faults; disabling the dll makes a crash end
# the process with the exception code as its exit status.  mscoree and
# mshtml are disabled so that creating the prefix does not try to install
# Mono and Gecko.
DLL_OVERRIDES = "mscoree,mshtml,winedbg.exe="


class Wine:
    def __init__(self, prefix, guard):
        self.prefix = os.path.abspath(prefix)
        self.guard = os.path.abspath(guard)
        self.wine = shutil.which("wine") or "wine"
        self.wineserver = shutil.which("wineserver") or "wineserver"
        # A constant TMPDIR: Wine 8 puts the server's socket under it, and
        # every Wine process of the run must find the same server whatever
        # the caller's environment says.  The guest inherits it too, so it is
        # the one value that means the same on both sides of a comparison.
        self.tmpdir = "/tmp"

    def env(self, base):
        """The environment of a Wine process: `base` plus Wine's own
        variables.  Wine passes the Unix environment on to the Windows
        process, so a guest sees these too."""
        env = dict(base)
        env.update(
            WINEPREFIX=self.prefix,
            WINEDEBUG="-all",
            WINEDLLOVERRIDES=DLL_OVERRIDES,
            TMPDIR=self.tmpdir,
            HOME=os.environ.get("HOME", "/root"),
        )
        return env

    def command(self, exe, args):
        """argv for running a Windows exe under the guard."""
        return [self.guard, "--", self.wine, exe] + list(args)

    def _run(self, argv, timeout):
        """Runs a Wine helper with its output in the prefix's log.  Not a
        pipe: the services that the first Wine process of a prefix starts
        inherit it and would keep it open for as long as the server lives."""
        with open(self.prefix + ".log", "ab") as log:
            return subprocess.run(argv, env=self.env(os.environ), timeout=timeout,
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def start(self):
        """Creates the prefix if needed and starts a persistent wineserver."""
        os.makedirs(self.tmpdir, exist_ok=True)
        os.makedirs(self.prefix, exist_ok=True)  # the server's working directory
        fresh = not os.path.exists(os.path.join(self.prefix, "system.reg"))
        # -p: persist until killed, so each case does not pay for a server
        # start (wineserver(1)).  Under the guard like every Wine process.
        self._run([self.guard, "--", self.wineserver, "-p"], 60)
        if fresh:
            r = self._run([self.guard, "--", self.wine, "wineboot", "-i"], 300)
            if r.returncode != 0:
                raise RuntimeError("wineboot -i failed, see %s.log" % self.prefix)
        # Auto=0 and no Debugger value: no debugger is started on a crash
        # (AeDebug, "Configuring Automatic Debugging", Microsoft Learn).
        key = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug"
        self._run([self.guard, "--", self.wine, "reg", "add", key, "/v", "Auto",
                   "/t", "REG_SZ", "/d", "0", "/f"], 120)
        self._run([self.guard, "--", self.wine, "reg", "delete", key, "/v",
                   "Debugger", "/f"], 120)

    def stop(self):
        """Ends the server and, with it, every Wine process of the prefix."""
        self._run([self.guard, "--", self.wineserver, "-k"], 60)
        self._run([self.guard, "--", self.wineserver, "-w"], 60)


def prefix_processes(prefix):
    """(Linux pid, command line) of the live processes whose environment
    names the Wine prefix, but for the prefix's own services
    (C:\\windows\\...): those start on their own schedule after wineboot,
    so counting them would not be deterministic.  What is left is the
    server, the guards and the run's Windows processes."""
    want = ("WINEPREFIX=" + prefix).encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                if want not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if not cmd.lower().startswith("c:\\windows\\"):
            found.append((int(pid), cmd))
    return found
