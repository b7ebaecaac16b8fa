#!/usr/bin/env python3
"""lxnt.exe, the runtime without a packed program, running the programs of
a converted root from a wsl.exe-like command line (runtime/start_cli.c),
as TAP:

  wslexe_test.py BUILD_DIR

A root made by `lxnt convert` holds this machine's bash, dash as /bin/sh,
a few coreutils with their libraries, a passwd and group of its own, and,
copied in after the convert, dash not rewritten.  lxnt.exe runs under the
guard.  Where Linux is an oracle (what a command prints, its status, the
message of sh for a missing command), the same command runs natively with
the same programs first on PATH and the results must be equal; what only
lxnt.exe defines (the root's choice, --cd and the cwd's Linux path, the
login shell and --user as the root's /etc/passwd gives them, its own
errors) is checked against the definition.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfroot  # noqa: E402
import tap  # noqa: E402
import winectl  # noqa: E402

# Programs of the root: {path in the root: file on this machine}.
PROGRAMS = {"bin/bash": "/bin/bash", "bin/sh": "/bin/dash", "bin/cat": "/bin/cat",
            "bin/id": "/usr/bin/id", "bin/tr": "/usr/bin/tr", "bin/env": "/usr/bin/env",
            "bin/chmod": "/bin/chmod", "bin/sleep": "/bin/sleep"}
ALT_UID, ALT_GID, STAFF_GID = 4242, 4343, 50
MINBASE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                       "lxnt", "minbase-bookworm")
MINBASE_SCRIPT = (r"""echo "$BASH_VERSION"; seq 1 200 | sort -rn | head -3 | tr '\n' ' '; echo; """
                  r"""x=$(expr 6 \* 7); echo "x=$x"; ( exit 3 ); echo "sub=$?"; """
                  r"""perl -e 'print join(",", map { $_ * 2 } 1..5), "\n"'""")


class WslExe:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.wine = winectl.Wine(os.path.join(self.build, "wineprefix"),
                                 os.path.join(self.build, "tools", "lxnt-guard"))
        self.lxnt = os.path.join(self.build, "tools", "lxnt")
        self.exe = os.path.join(self.build, "runtime", "lxnt.exe")
        self.top = tempfile.mkdtemp(prefix="lxnt-wslexe-")
        self.root = os.path.join(self.top, "root")
        self.native_bin = os.path.join(self.top, "native-bin")
        self.native_work = os.path.join(self.top, "native-work")
        self.uid, self.gid = os.getuid(), os.getgid()

    def win(self, path):
        return "Z:" + path.replace("/", "\\")

    def prepare(self):
        src = os.path.join(self.top, "src")
        for d in ("bin", "etc", "tmp", "work", "home/me", "home/alt", "root"):
            os.makedirs(os.path.join(src, d))
        os.makedirs(self.native_bin)
        os.makedirs(self.native_work)
        for rel, path in PROGRAMS.items():
            for lib in elfroot.shared_objects(path):
                dest = os.path.join(src, lib.lstrip("/"))
                if not os.path.exists(dest):
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    shutil.copyfile(lib, dest)
                    os.chmod(dest, 0o755)
            shutil.copyfile(path, os.path.join(src, rel))
            os.chmod(os.path.join(src, rel), 0o755)
            os.symlink(path, os.path.join(self.native_bin, os.path.basename(rel)))
        shutil.copytree("/usr/lib/locale/C.utf8", os.path.join(src, "usr/lib/locale/C.utf8"))
        # The user running the test is "me", first for its uid, as
        # getpwuid finds it; "alt" is a second user with a login shell of
        # /bin/sh and a supplementary group.
        passwd = "me:x:%d:%d:me:/home/me:/bin/bash\n" % (self.uid, self.gid)
        if self.uid != 0:
            passwd += "root:x:0:0:root:/root:/bin/bash\n"
        passwd += "alt:x:%d:%d:alt:/home/alt:/bin/sh\n" % (ALT_UID, ALT_GID)
        group = "me:x:%d:\nstaff:x:%d:other,alt\nalt:x:%d:\n" % (self.gid, STAFF_GID, ALT_GID)
        with open(os.path.join(src, "etc", "passwd"), "w") as f:
            f.write(passwd)
        with open(os.path.join(src, "etc", "group"), "w") as f:
            f.write(group)
        cache = os.path.join(self.build, "tests", "e2e", "convert-cache")
        subprocess.run([self.lxnt, "convert", src, self.root, "-q", "--cache", cache],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copyfile("/bin/dash", os.path.join(self.root, "bin", "raw-dash"))

    def run(self, args, root=True, env=None, cwd=None, stdin=b""):
        """lxnt.exe ARGS under the guard; root: --root given, else
        LXNT_ROOT (root="env") or neither (root=False)."""
        base = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                "LXNT_PATH": "/bin", "LXNT_UID": str(self.uid), "LXNT_GID": str(self.gid)}
        if root == "env":
            base["LXNT_ROOT"] = self.win(self.root)
        base.update(env or {})
        argv = (["--root", self.win(self.root)] if root is True else []) + list(args)
        r = subprocess.run(self.wine.command(self.exe, argv), input=stdin, timeout=300,
                           cwd=cwd or os.path.join(self.root, "work"), env=self.wine.env(base),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode, r.stdout, r.stderr

    def native(self, argv, stdin=b""):
        r = subprocess.run(argv, input=stdin, timeout=120, cwd=self.native_work,
                           env={"PATH": self.native_bin, "LC_ALL": "C.UTF-8", "TZ": "UTC"},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        status = r.returncode if r.returncode >= 0 else 128 - r.returncode
        return status, r.stdout, r.stderr

    def same(self, args, native_argv, stdin=b"", root=True):
        """lxnt.exe ARGS against native_argv run natively."""
        want = self.native(native_argv, stdin)
        got = self.run(args, root=root, stdin=stdin)
        problems = []
        for what, a, b in zip(("status", "stdout", "stderr"), want, got):
            if a != b:
                problems.append("%s: native %r, lxnt.exe %r" % (what, a, b))
        return problems

    def closed_early(self, args, native_argv):
        """lxnt.exe ARGS against native_argv with standard output a pipe
        whose reader goes after the first line: status and stderr as
        natively (SIGPIPE for the writers that come after)."""
        def first_line(argv, cwd, env):
            p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            line = p.stdout.readline()
            p.stdout.close()
            err = p.stderr.read()
            rc = p.wait(timeout=120)
            return (rc if rc >= 0 else 128 - rc), line, err
        want = first_line(native_argv, self.native_work,
                          {"PATH": self.native_bin, "LC_ALL": "C.UTF-8", "TZ": "UTC"})
        base = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                "LXNT_PATH": "/bin", "LXNT_UID": str(self.uid), "LXNT_GID": str(self.gid)}
        got = first_line(self.wine.command(self.exe, ["--root", self.win(self.root)] + list(args)),
                         os.path.join(self.root, "work"), self.wine.env(base))
        return ["%s: native %r, lxnt.exe %r" % (what, a, b)
                for what, a, b in zip(("status", "first line", "stderr"), want, got) if a != b]

    def expect(self, args, status, stdout=None, stderr_has=None, **kw):
        rc, out, err = self.run(args, **kw)
        problems = []
        if rc != status:
            problems.append("status %d, want %d (stderr %r)" % (rc, status, err[-300:]))
        if stdout is not None and out != stdout:
            problems.append("stdout %r, want %r" % (out, stdout))
        for s in stderr_has or []:
            if s.encode() not in err:
                problems.append("stderr %r lacks %r" % (err[-300:], s))
        return problems


def wait_for(pred, seconds):
    end = time.time() + seconds
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    return pred()


def instance_client(t):
    """lxnt.exe is a Windows client of its root's instance: lxnt-instance
    lists it as one while it runs, and the instance ends with it, its
    background job and daemon included (runtime/proc.c, daemon.c)."""
    tool = os.path.join(t.build, "tools", "lxnt-instance.exe")
    env = t.wine.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C"})

    def tool_out(*args):
        r = subprocess.run(t.wine.command(tool, list(args)), env=env, timeout=60,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        return r.stdout.decode(errors="replace")

    def ours():
        return [c for _, c in winectl.prefix_processes(t.wine.prefix)
                if "lxnt.exe" in c and "lxnt-guard" not in c]

    problems = []
    p = subprocess.Popen(t.wine.command(t.exe, ["--root", t.win(t.root), "--exec", "bash", "-c",
                                                "sleep 4"]),
                         env=t.wine.env({"LXNT_PATH": "/bin", "LC_ALL": "C.UTF-8"}),
                         cwd=os.path.join(t.root, "work"), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = wait_for(lambda: [l for l in tool_out("list", t.win(t.root)).splitlines()
                             if "windows-client" in l], 20)
    p.wait(timeout=120)
    if not rows:
        problems.append("lxnt-instance list showed no Windows client: %r" %
                        tool_out("list", t.win(t.root)))
    rc, out, err = t.run(["sleep", "100", "&", "echo", "started"])
    if (rc, out) != (0, b"started\n"):
        problems.append("sleep 100 & echo started: status %d, %r, %r" % (rc, out, err))
    left = wait_for(lambda: not ours(), 20)
    if not left:
        problems.append("left running after the client ended: %r" % ours())
    return problems


USERS_SCRIPT = ('useradd -m -u 1234 bob && id bob && stat -c "%U %G %a" /home/bob && '
                'su bob -c "id -un; touch ~/f; stat -c %U ~/f" && userdel -r bob 2>/dev/null; '
                'id bob >/dev/null 2>&1; echo gone=$?')
USERS_EXPECTED = (b"uid=1234(bob) gid=1234(bob) groups=1234(bob)\nbob bob 755\nbob\nbob\n"
                  b"gone=1\n")


def minbase(t):
    """Debian minbase converted: its bash by --exec, its dash by a command
    line and its login shell, against the same programs natively; None
    without the tree (scripts/minbase)."""
    if not os.path.isdir(os.path.join(MINBASE, "usr", "bin")):
        return None
    root = os.path.join(t.top, "mb")
    cache = os.path.join(t.build, "tests", "e2e", "convert-cache")
    r = subprocess.run([t.lxnt, "convert", MINBASE, root, "-q", "--cache", cache],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return ["convert: %d %s" % (r.returncode, r.stdout.decode(errors="replace")[-300:])]
    os.makedirs(os.path.join(root, "tmp", "w"))
    env = {"PATH": MINBASE + "/usr/bin:" + MINBASE + "/usr/sbin", "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    problems = []
    mb = ["--root", t.win(root)]
    cwd = os.path.join(root, "tmp", "w")
    path = {"LXNT_PATH": "/usr/bin:/usr/sbin", "LXNT_UID": "0", "LXNT_GID": "0"}
    for args, native_argv, stdin in (
            (mb + ["--exec", "bash", "-c", MINBASE_SCRIPT], ["bash", "-c", MINBASE_SCRIPT], b""),
            # Separate words: Wine quotes an argument with blanks, and sh
            # would take a quoted line for one command name (as wsl.exe's
            # shell does with `wsl "ls -la"`).
            (mb + "seq 1 5 | tr 0-9 a-j; echo $((6*7))".split(),
             ["sh", "-c", "seq 1 5 | tr 0-9 a-j; echo $((6*7))"], b"")):
        want = subprocess.run(native_argv, input=stdin, cwd=t.native_work, env=env, timeout=120,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # The first process imports the manifest: 7 to 20 s under Wine.
        got = t.run(args, root=False, env=path, cwd=cwd, stdin=stdin)
        for what, a, b in (("status", want.returncode, got[0]), ("stdout", want.stdout, got[1]),
                           ("stderr", want.stderr, got[2])):
            if a != b:
                problems.append("%s %s: native %r, lxnt.exe %r" % (args[2:4], what, a, b))
    # Debian's user tools: useradd, su and userdel open the audit netlink
    # socket first and go on without audit only for "no such family".
    rc, out, err = t.run(mb + ["--exec", "bash", "-c", USERS_SCRIPT], root=False, env=path,
                         cwd=cwd)
    if (rc, out) != (0, USERS_EXPECTED):
        problems.append("useradd, su, userdel: status %d, stdout %r, stderr %r"
                        % (rc, out, err[-300:]))
    version = subprocess.run(["bash", "-c", 'echo "$BASH_VERSION"'], env=env,
                             stdout=subprocess.PIPE).stdout
    rc, out, err = t.run(mb, root=False, env=path, cwd=cwd,
                         stdin=b'echo "$0"; echo "$BASH_VERSION"; echo "$HOME"; id -un\n')
    if (rc, out) != (0, b"-bash\n" + version + b"/root\nroot\n"):
        problems.append("login shell: status %d, stdout %r, stderr %r" % (rc, out, err[-300:]))
    return problems


# Writes after its reader has gone: cat and the last echo meet SIGPIPE.
CLOSED_EARLY = 'echo first; sleep 1; cat /etc/passwd; echo "cat=$?" >&2; echo last'


def tests(t):
    yield ("--exec bash -c, as natively",
           t.same(["--exec", "bash", "-c", 'echo $((6*7)); echo "$0" "$@"; echo $#', "zero",
                   "a b", "c"],
                  ["bash", "-c", 'echo $((6*7)); echo "$0" "$@"; echo $#', "zero", "a b", "c"]))
    # Wine joins the arguments into a command line, quoting the one with
    # blanks; lxnt.exe gives sh that line as it stands, like wsl.exe.
    yield ("CMD through /bin/sh -c, as natively",
           t.same(["printf", "[%s]", "a  b", "c;", "echo", "$((6*7));", "exit", "3"],
                  ["sh", "-c", 'printf [%s] "a  b" c; echo $((6*7)); exit 3']))
    yield ("a missing CMD: sh's message and 127, as natively",
           t.same(["no-such-command", "x"], ["sh", "-c", "no-such-command x"]))
    yield ("death by a signal is 128+n, as natively",
           t.same(["--exec", "bash", "-c", "kill -TERM $$"], ["bash", "-c", "kill -TERM $$"]))
    yield ("standard input and a pipeline, as natively",
           t.same(["--exec", "sh", "-c", "cat | tr a-z A-Z"], ["sh", "-c", "cat | tr a-z A-Z"],
                  stdin=b"hello\nworld\n"))
    # /dev/null has no handle of its own: the Windows program gets the NUL
    # device, reads end of file and writes into nothing, as `> nul` does.
    probe = "/mnt/z" + os.path.join(t.build, "tests", "e2e", "instance_probe.exe")
    yield ("a Windows program's standard handles from /dev/null",
           t.expect(["--exec", "bash", "-c", '"$1" stdio </dev/null >/dev/null 2>/dev/null; echo $?',
                     "x", probe], 0, b"0\n") +
           t.expect(["--exec", "bash", "-c", 'echo in | "$1" stdio 2>/dev/null; echo $?',
                     "x", probe], 0, b"out\r\n0\n"))
    yield ("the root from LXNT_ROOT",
           t.expect(["--exec", "bash", "-c", 'echo ok; read -r l < /etc/passwd; echo "${l%%:*}"'],
                    0, b"ok\nme\n", root="env"))
    yield ("no root: an error naming --root and LXNT_ROOT, status 1",
           t.expect(["--exec", "bash", "-c", "echo no"], 1, b"", ["--root", "LXNT_ROOT"],
                    root=False))
    yield ("a root that is no directory: status 1",
           t.expect(["--root", t.win(t.top + "/nowhere"), "--exec", "bash"], 1, b"",
                    ["nowhere", "not a directory"], root=False))
    yield ("--exec of a missing command: its name, status 127",
           t.expect(["--exec", "no-such-command"], 127, b"",
                    ["no-such-command: command not found"]))
    yield ("--exec of a missing path: the path, status 127",
           t.expect(["--exec", "/bin/nothing-here"], 127, b"",
                    ["/bin/nothing-here: No such file or directory"]))
    # Copied in after the convert: it has no metadata yet, so no x bit.
    yield ("--exec of an ELF file not rewritten: ENOEXEC naming lxnt convert, status 126",
           t.expect(["--exec", "/bin/raw-dash"], 126, b"", ["/bin/raw-dash: Permission denied"]) +
           t.expect(["--exec", "chmod", "755", "/bin/raw-dash"], 0, b"") +
           t.expect(["--exec", "/bin/raw-dash", "-c", "echo no"], 126, b"",
                    ["/bin/raw-dash is a Linux ELF file that was not rewritten: convert the "
                     "root with `lxnt convert`", "Exec format error"]))
    yield ("an unknown option: status 1",
           t.expect(["--bogus", "ls"], 1, b"", ["unknown option --bogus"]))
    yield ("the Windows cwd inside the root is its Linux path",
           t.expect(["--exec", "bash", "-c", "pwd"], 0, b"/work\n"))
    yield ("the Windows cwd outside the root is under /mnt",
           t.expect(["--exec", "bash", "-c", "pwd"], 0, ("/mnt/z%s\n" % t.top).encode(),
                    cwd=t.top))
    yield ("--cd: a Linux path, ~, a Windows path",
           t.expect(["--cd", "/home", "--exec", "bash", "-c", "pwd"], 0, b"/home\n") +
           t.expect(["--cd", "~", "--exec", "bash", "-c", "pwd; echo $HOME"], 0,
                    b"/home/me\n/home/me\n") +
           t.expect(["--cd", t.win(t.root + "/tmp"), "pwd"], 0, b"/tmp\n") +
           t.expect(["--cd", "work", "pwd"], 0, b"/work\n", cwd=t.root) +
           t.expect(["--cd", "/nowhere", "pwd"], 1, b"", ["--cd /nowhere"]))
    # A Windows pipe whose reader has gone: Wine says
    # ERROR_PIPE_NOT_CONNECTED, which must be SIGPIPE as on Linux.
    yield ("standard output's reader gone: SIGPIPE, as natively",
           t.closed_early(["--exec", "sh", "-c", CLOSED_EARLY], ["sh", "-c", CLOSED_EARLY]))
    yield ("no CMD: the user's login shell from /etc/passwd",
           t.expect([], 0, b"-bash\nlogin\n%d\n/home/me me me /bin/bash\n" % t.uid,
                    stdin=b'echo "$0"; shopt -q login_shell && echo login; id -u; '
                          b'echo "$HOME $USER $LOGNAME $SHELL"\n'))
    yield ("--user NAME: its ids, groups and login shell (/bin/sh)",
           t.expect(["--user", "alt"], 0,
                    # id(1) names the effective group first, then the others.
                    b"-sh\nuid=%d(alt) gid=%d(alt) groups=%d(alt),%d(staff)\n/home/alt\n" % (
                        ALT_UID, ALT_GID, ALT_GID, STAFF_GID),
                    stdin=b'echo "$0"; id; echo "$HOME"\n'))
    # A set-user-ID-root ELF file started by lxnt.exe itself (no execve
    # before it) gets what execve gives: euid 0 and root's capabilities.
    made = t.expect(["--user", "0", "--exec", "sh", "-c",
                     "cat /bin/cat > /bin/cat-suid && chmod 4755 /bin/cat-suid"], 0, b"")
    rc, out, err = t.run(["--user", "alt", "--exec", "/bin/cat-suid", "/proc/self/status"])
    fields = dict(line.split(b":", 1) for line in out.splitlines() if b":" in line)
    uids = fields.get(b"Uid", b"").split()
    bnd = fields.get(b"CapBnd", b"").strip()
    problems = made + ([] if rc == 0 else ["status %d: %r" % (rc, err[-300:])])
    if uids != [b"%d" % ALT_UID, b"0", b"0", b"0"]:
        problems.append("Uid: %r, want %d 0 0 0" % (fields.get(b"Uid"), ALT_UID))
    for name in (b"CapPrm", b"CapEff"):
        if not bnd or fields.get(name, b"").strip() != bnd:
            problems.append("%s %r, want CapBnd %r" % (name.decode(), fields.get(name), bnd))
    yield ("a set-user-ID root file run by lxnt.exe: euid 0 and root's capabilities", problems)
    yield ("--user UID without an entry: that uid",
           t.expect(["--user", "31337", "--exec", "id", "-u"], 0, b"31337\n") +
           t.expect(["--user", "nobody-here", "--exec", "id"], 1, b"",
                    ["no such user", "nobody-here"]))


def main():
    t = WslExe(sys.argv[1])
    t.wine.start()
    try:
        t.prepare()
        results = list(tests(t))
        results.append(("a Windows client of the instance: listed, and its end ends the "
                        "instance", instance_client(t)))
        results.append(("minbase's bash, sh and login shell, converted, as natively",
                         minbase(t)))
    finally:
        t.wine.stop()
        shutil.rmtree(t.top, ignore_errors=True)
    print("1..%d" % len(results), flush=True)
    for n, (name, problems) in enumerate(results, 1):
        if problems is None:
            print("ok %d - %s # SKIP no minbase rootfs (run scripts/minbase as root)" % (n, name))
        else:
            tap.report(n, name, problems)


if __name__ == "__main__":
    main()
