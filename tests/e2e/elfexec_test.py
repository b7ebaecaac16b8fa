#!/usr/bin/env python3
"""execve of ELF files that cannot run from a rootfs (runtime/elfload.c),
as TAP:

  elfexec_test.py BUILD_DIR

A root made by `lxnt convert` holds tests/guest/elfexec-spie (rewritten),
Debian's static busybox (ET_EXEC, rewritten: convert rewrites it, but only
`lxnt pack` can run it) and, copied in after the convert, the same
elfexec-spie not rewritten.  Under the guard, the packed busybox sh runs
the rewritten elfexec-spie, whose execve of each of the other two must
fail with ENOEXEC and a message on stderr naming the command that makes
the file runnable.  There is no native oracle for this: natively both
files run.  The differential cases elfexec-* (cases.py) cover the files
that do run.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
import winectl  # noqa: E402

BUSYBOX = "/bin/busybox"
MINBASE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                       "lxnt", "minbase-bookworm")
MINBASE_SCRIPT = r"""
echo "$BASH_VERSION"
seq 1 200 | sort -rn | head -3 | tr '\n' ' '; echo
printf '%s\n' c a b | sort | paste -sd,
echo abc | sed s/b/B/ | grep -c B
x=$(expr 6 \* 7); echo "x=$x"
basename /a/b.c .c; dirname /a/b/c
perl -e 'print join(",", map { $_ * 2 } 1..5), "\n"'
awk 'BEGIN { printf "%.3f\n", atan2(1, 1) * 4 }'
echo hello > f; cat f; wc -c < f; md5sum f; sha256sum f | cut -c1-16; rm f
( exit 3 ); echo "sub=$?"
date -u -d @0 +%F
od -An -tx1 <<< "hi"
echo done
"""


class ElfExec:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.wine = winectl.Wine(os.path.join(self.build, "wineprefix"),
                                 os.path.join(self.build, "tools", "lxnt-guard"))
        self.lxnt = os.path.join(self.build, "tools", "lxnt")
        self.spie = os.path.join(self.build, "tests", "guest", "elfexec-spie")
        self.top = tempfile.mkdtemp(prefix="lxnt-elfexec-")
        self.busybox = os.path.join(self.top, "busybox.exe")
        self.root = os.path.join(self.top, "root")

    def prepare(self):
        subprocess.run([self.lxnt, "pack", BUSYBOX, "-o", self.busybox], check=True,
                       stdout=subprocess.DEVNULL)
        src = os.path.join(self.top, "src")
        os.makedirs(os.path.join(src, "bin"))
        os.makedirs(os.path.join(src, "work"))
        shutil.copyfile(self.spie, os.path.join(src, "bin", "elfexec-spie"))
        shutil.copyfile(BUSYBOX, os.path.join(src, "bin", "busybox-static"))
        for name in ("elfexec-spie", "busybox-static"):
            os.chmod(os.path.join(src, "bin", name), 0o755)
        subprocess.run([self.lxnt, "convert", src, self.root, "-q", "--no-cache"], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.copyfile(self.spie, os.path.join(self.root, "bin", "raw-spie"))

    def run(self, script):
        env = self.wine.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                             "LXNT_ROOT": "Z:" + self.root.replace("/", "\\"),
                             "LXNT_PATH": "/bin", "LXNT_UID": str(os.getuid()),
                             "LXNT_GID": str(os.getgid())})
        r = subprocess.run(self.wine.command(self.busybox, ["sh", "-c", script]),
                           cwd=os.path.join(self.root, "work"), env=env, timeout=120,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def refused(self, path, message):
        """execve of path gives ENOEXEC and the message."""
        rc, out, err = self.run("chmod 755 /bin/raw-spie && elfexec-spie execve " + path)
        problems = []
        want = "execve %s: Exec format error\n" % path
        if rc != 0 or out != want:
            problems.append("status %d, stdout %r, want %r" % (rc, out, want))
        if message not in err:
            problems.append("stderr %r lacks %r" % (err[-300:], message))
        return problems

    def runs(self):
        """The rewritten program itself runs (the root is usable)."""
        rc, out, err = self.run("elfexec-spie hello")
        return [] if rc == 42 and "argc 2" in out and not err else [
            "status %d, stdout %r, stderr %r" % (rc, out[-200:], err[-300:])]


    def minbase(self):
        """Test 4; None when there is no minbase tree."""
        if not os.path.isdir(os.path.join(MINBASE, "usr", "bin")):
            return None
        root = os.path.join(self.top, "mb")
        cache = os.path.join(self.build, "tests", "e2e", "convert-cache")
        r = subprocess.run([self.lxnt, "convert", MINBASE, root, "-q", "--cache", cache],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return ["convert: %d %s" % (r.returncode, r.stdout.decode(errors="replace")[-300:])]
        work = os.path.join(self.top, "native-work")
        os.makedirs(work)
        os.makedirs(os.path.join(root, "tmp", "w"))
        argv = ["sh", "-c", 'exec bash -c "$1"', "sh", MINBASE_SCRIPT]
        bin_dirs = ["/usr/bin", "/usr/sbin"]
        native = subprocess.run([BUSYBOX] + argv, cwd=work, timeout=120,
                                env={"PATH": ":".join(MINBASE + d for d in bin_dirs),
                                     "LC_ALL": "C.UTF-8", "TZ": "UTC"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        env = self.wine.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                             "LXNT_ROOT": "Z:" + root.replace("/", "\\"),
                             "LXNT_PATH": ":".join(bin_dirs), "LXNT_UID": str(os.getuid()),
                             "LXNT_GID": str(os.getgid())})
        # The first process imports the manifest: 7 to 20 s under Wine.
        conv = subprocess.run(self.wine.command(self.busybox, argv), timeout=600,
                              cwd=os.path.join(root, "tmp", "w"), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        problems = []
        for what in ("returncode", "stdout", "stderr"):
            a, b = getattr(native, what), getattr(conv, what)
            if a != b:
                problems.append("%s: native %r, lxnt %r" % (what, a if what == "returncode"
                                                            else a[-400:], b if what ==
                                                            "returncode" else b[-400:]))
        if native.returncode != 0 or b"done" not in native.stdout:
            problems.append("the native run failed: %r" % native.stderr[-300:])
        return problems


def main():
    t = ElfExec(sys.argv[1])
    print("1..4", flush=True)
    t.wine.start()
    try:
        t.prepare()
        tap.report(1, "a rewritten static-pie of the root runs", t.runs())
        tap.report(2, "an ELF file that was not rewritten: ENOEXEC naming lxnt convert",
               t.refused("/bin/raw-spie", "/bin/raw-spie is a Linux ELF file that was not "
                         "rewritten: convert the root with `lxnt convert`"))
        tap.report(3, "a rewritten ET_EXEC file: ENOEXEC naming lxnt pack",
               t.refused("/bin/busybox-static", "/bin/busybox-static is linked at a fixed "
                         "address (ET_EXEC): run it packed with `lxnt pack`"))
        problems = t.minbase()
        if problems is None:
            print("ok 4 - minbase bash and tools # SKIP no minbase rootfs "
                  "(run scripts/minbase as root)", flush=True)
        else:
            tap.report(4, "minbase's bash and tools, converted, as natively", problems)
    finally:
        t.wine.stop()
        shutil.rmtree(t.top, ignore_errors=True)


if __name__ == "__main__":
    main()
