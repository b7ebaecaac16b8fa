#!/usr/bin/env python3
"""Differential end-to-end runner: each case of cases.py runs natively and
packed under Wine (under lxnt-guard), from identical starting directories,
and the two runs must agree on exit status, stdout, stderr and the files
left behind.  docs/testing.md describes what is compared and why.

  harness.py --build BUILD_DIR [--tap] [--jobs N] [--keep] [--force-trap] [CASE...]

Prints one result line per case, the site executions per rung summed over
the converted runs (LXNT_STATS), and, last, "N passed, N failed".  With
--tap the per-case lines are TAP, for `meson test`.  --force-trap packs
every program with every site on the trap rung (`lxnt pack --force-trap`),
into a directory of its own, so that the trap path is proven on its own.
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as case_table  # noqa: E402
import elfroot  # noqa: E402
import winectl  # noqa: E402

SRC_DIR = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(SRC_DIR, "fixtures")

# Every file and directory of a starting copy gets this mtime (2020-01-02
# 03:04:05 UTC), so that listings do not depend on checkout time.
FIXED_MTIME = 1577934245

# The environment of both sides.  Wine adds its own variables on the
# converted side (winectl.Wine.env), so no case prints the whole environment.
BASE_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "TMPDIR": "/tmp"}

# Name prefixes of files that a vfs metadata backend keeps next to guest
# files (docs/vfs.md, "Metadata").  The portable format keeps its store at
# the rootfs's root, outside every compared directory, and its creation
# temporaries (U+F000 names) are skipped by snapshot_rootfs.
VFS_METADATA_PREFIXES = ()

# The converted side runs as the user that runs the native side (the
# runtime's default is uid 1000, docs/runtime.md), so that owners and
# permission checks have the same oracle.
IDENTITY = {"LXNT_UID": str(os.getuid()), "LXNT_GID": str(os.getgid())}

# Cases that cannot pass with every site on the trap rung, and why: on
# Windows, and under Wine, the exception frame of the ud2 is written right
# below the guest's rsp, over the 128-byte red zone that the x86-64 psABI
# gives leaf code (docs/architecture.md, "The red zone and the trap rung").
# A case listed here is reported as a TAP TODO in --force-trap mode only,
# and as a failure if it passes.
TRAP_GAPS = {
}

# Case timeouts are this many times longer with --force-trap.
TRAP_TIMEOUT_FACTOR = 5

# One line per converted process, written by the runtime at exit
# (runtime/stats.c): "lxnt-stats syscall-tramp=N syscall-trap=N ...".
STATS_FIELD = re.compile(r"([a-z0-9-]+)=([0-9]+)")

PROGRAMS = {
    "busybox": ("/bin/busybox", "busybox"),
    "bash": ("/bin/bash-static", "bash"),
}


def gen_lines(path, total):
    """About `total` bytes of text lines with repeated and varied keys, for
    sort (bench/run uses a larger one)."""
    rng = random.Random(5)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
             "hotel", "india", "juliet", "kilo", "lima", "mike", "november"]
    with open(path, "w") as f:
        size = 0
        while size < total:
            line = "%s %d %s\n" % (rng.choice(words), rng.randrange(100000),
                                   "".join(rng.choice("abcdefghij") for _ in range(rng.randrange(1, 40))))
            f.write(line)
            size += len(line)


def gen_blob(path, size):
    """`size` bytes of SHAKE-256 output: deterministic, incompressible."""
    chunk = 1 << 20
    with open(path, "wb") as f:
        for i in range(size // chunk):
            f.write(hashlib.shake_256(b"lxnt-e2e-%d" % i).digest(chunk))


GENERATORS = {
    "lines_5m": lambda p: gen_lines(p, 5 * 1000 * 1000),
    "blob_32m": lambda p: gen_blob(p, 32 << 20),
    "blob_64m": lambda p: gen_blob(p, 64 << 20),
}


class Suite:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.work = os.path.join(self.build, "tests", "e2e")
        self.force_trap = args.force_trap
        self.bindir = os.path.join(self.work, "bin-trap" if self.force_trap else "bin")
        self.gendir = os.path.join(self.work, "gen")
        self.lxnt = os.path.join(self.build, "tools", "lxnt")
        self.guard = os.path.join(self.build, "tools", "lxnt-guard")
        self.lxnt_exe = os.path.join(self.build, "runtime", "lxnt.exe")
        self.keep = args.keep
        self.wine = winectl.Wine(os.path.join(self.build, "wineprefix"), self.guard)
        self.packed = {}    # prog -> exe path or error string
        self.gen_lock = threading.Lock()
        self.stats = {}     # counter name -> sum over every converted run
        self.stats_lock = threading.Lock()

    def elf_of(self, prog):
        if prog in PROGRAMS:
            return PROGRAMS[prog]
        return os.path.join(self.build, "tests", "guest", prog), prog

    def path_dirs(self):
        """For cases with `path`: a directory of commands for each side, the
        same names on both.  Natively, symlinks to busybox (every applet)
        and bash-static; converted, hard links APPLET.exe to busybox.exe and
        bash.exe, which the vfs finds as APPLET (docs/vfs.md, "Packed
        programs on PATH")."""
        # Both under this run's bindir: the normal and the forced-trap
        # suites run at the same time.
        native = os.path.join(self.bindir, "path-native")
        conv = os.path.join(self.bindir, "path")
        with self.gen_lock:
            if not os.path.isdir(conv):
                shutil.rmtree(native, ignore_errors=True)
                os.makedirs(native)
                os.makedirs(conv + ".tmp", exist_ok=True)
                applets = subprocess.run([PROGRAMS["busybox"][0], "--list"], check=True,
                                         stdout=subprocess.PIPE).stdout.decode().split()
                links = {a: "busybox" for a in applets if "/" not in a}
                links["bash"] = "bash"
                for name, prog in links.items():
                    os.symlink(PROGRAMS[prog][0], os.path.join(native, name))
                    os.link(self.packed[prog], os.path.join(conv + ".tmp", name + ".exe"))
                os.rename(conv + ".tmp", conv)
        return native, conv

    def pack_all(self, cases):
        os.makedirs(self.bindir, exist_ok=True)
        for d in ("path", "path.tmp", "path-native"):
            shutil.rmtree(os.path.join(self.bindir, d), ignore_errors=True)
        # Applet copies are made from this run's busybox.exe, not an older one;
        # so are the forced-trap rewrites of elfroot files (elf_rewritten).
        shutil.rmtree(os.path.join(self.bindir, "applets"), ignore_errors=True)
        shutil.rmtree(os.path.join(self.bindir, "elf-trap"), ignore_errors=True)
        progs = {c["prog"] for c in cases}
        if any(c.get("path") for c in cases):
            progs |= {"busybox", "bash"}
        for prog in sorted(progs):
            elf, name = self.elf_of(prog)
            exe = os.path.join(self.bindir, name + ".exe")
            if os.path.exists(exe):
                os.unlink(exe)
            try:
                flags = ["--force-trap"] if self.force_trap else []
                r = subprocess.run([self.lxnt, "pack", elf, "-o", exe] + flags, timeout=600,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            except OSError as e:
                self.packed[prog] = "cannot run %s: %s" % (self.lxnt, e.strerror)
                continue
            ok = r.returncode == 0 and os.path.exists(exe)
            self.packed[prog] = exe if ok else "lxnt pack %s failed (%d): %s" % (
                elf, r.returncode, r.stdout.decode(errors="replace").strip()[:300])

    def applet_exe(self, applet):
        """busybox.exe copied to APPLET.exe, so that argv[0] is APPLET."""
        exe = os.path.join(self.bindir, "applets", applet + ".exe")
        with self.gen_lock:
            if not os.path.exists(exe):
                os.makedirs(os.path.dirname(exe), exist_ok=True)
                shutil.copyfile(self.packed["busybox"], exe + ".tmp")
                os.rename(exe + ".tmp", exe)
        return exe

    def generated(self, gen):
        path = os.path.join(self.gendir, gen)
        with self.gen_lock:
            if not os.path.exists(path):
                os.makedirs(self.gendir, exist_ok=True)
                GENERATORS[gen](path + ".tmp")
                os.rename(path + ".tmp", path)
        return path

    def make_start(self, case, dest):
        """The starting directory: the fixture plus generated files, with
        fixed modes and mtimes."""
        fixture = case.get("fixture")
        if fixture:
            shutil.copytree(os.path.join(FIXTURES, fixture), dest, symlinks=True)
        else:
            os.makedirs(dest)
        for name, gen in case.get("gen", {}).items():
            shutil.copyfile(self.generated(gen), os.path.join(dest, name))
        for root, dirs, files in os.walk(dest, topdown=False):
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
                os.utime(os.path.join(root, f), (FIXED_MTIME, FIXED_MTIME))
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
                os.utime(os.path.join(root, d), (FIXED_MTIME, FIXED_MTIME))
        os.utime(dest, (FIXED_MTIME, FIXED_MTIME))

    def run_case(self, case):
        prog = case["prog"]
        exe = self.packed.get(prog)
        if exe is None or not os.path.exists(str(exe)):
            return False, [exe or "not packed"], None
        elf, argv0 = self.elf_of(prog)
        args = list(case["args"])
        if case.get("applet"):
            exe, argv0 = self.applet_exe(case["applet"]), case["applet"]
        conv_args = args
        if case.get("wslexe") is not None:
            # lxnt.exe runs the root's program (runtime/start_cli.c).
            exe, conv_args = self.lxnt_exe, list(case["wslexe"])
        top = tempfile.mkdtemp(prefix="lxnt-e2e-%s-" % case["name"])
        try:
            native_dir, wine_dir = os.path.join(top, "native"), os.path.join(top, "wine")
            if case.get("rootfs"):
                # Inside the rootfs, so that the metadata backend applies;
                # its store sits at the root, outside what is compared.
                wine_dir = os.path.join(self.passwd_root(top), "work")
            elif case.get("elfroot"):
                wine_dir = os.path.join(self.elf_root(top, case), "work")
            self.make_start(case, native_dir)
            self.make_start(case, wine_dir)
            stdin = self.stdin_file(case, top)
            env = dict(BASE_ENV, **case.get("env", {}))
            if case.get("rootfs") or case.get("elfroot"):
                # Wine maps Windows names to Unix ones in the locale's
                # charset: the U+F000 names of the metadata store need UTF-8.
                env["LC_ALL"] = "C.UTF-8"
            timeout = case.get("timeout", 60)
            if self.force_trap:
                # Every %fs access is an exception on this rung (tens of
                # microseconds each): sort-5m makes millions.
                timeout *= TRAP_TIMEOUT_FACTOR
            # Outside both copies, so that it is not among the files compared;
            # a Windows path, since the runtime opens it (Wine's Z: is /).
            stats = os.path.join(top, "stats")
            wine_env = dict(env, LXNT_STATS="Z:" + stats, **IDENTITY)
            if case.get("path"):
                native_path, conv_path = self.path_dirs()
                env = dict(env, PATH=native_path)
                wine_env["LXNT_PATH"] = "/mnt/z" + conv_path
            if case.get("elfroot"):
                env["PATH"] = self.elf_native_bin(top, case) + ":" + env["PATH"]
                wine_env["LXNT_PATH"] = "/bin:/usr/bin"
            merged = case.get("merged", False)
            native = run_side([argv0] + args, elf, native_dir, env, stdin, timeout, merged)
            if case.get("rootfs") or case.get("elfroot"):
                wine_env["LXNT_ROOT"] = "Z:" + os.path.dirname(wine_dir).replace("/", "\\")
            elif case.get("passwd"):
                wine_env["LXNT_ROOT"] = "Z:" + self.passwd_root(top)
            wine = run_side(self.wine.command(exe, conv_args), None, wine_dir,
                            self.wine.env(wine_env), stdin, timeout, merged)
            problems = compare(native, wine, native_dir, wine_dir,
                               os.path.dirname(wine_dir)
                               if case.get("rootfs") or case.get("elfroot") else None)
            counts, started = self.add_stats(stats)
            if not counts:
                problems.append("the runtime wrote no LXNT_STATS line%s" % (
                    "" if started else ", nor its start marker: lxnt's code never ran"))
            jumps = counts.get("syscall-tramp", 0)
            if self.force_trap and jumps:
                problems.append("%d syscall site executions went through a trampoline "
                                "in a forced-trap run" % jumps)
            retry = None
            if problems and wine.unix_killed:
                retry = "the first run's lxnt side was ended by Wine's exit-time Unix SIGKILL"
            elif problems and not started and not wine.stdout and not wine.stderr:
                retry = ("the first run's Wine process ended (status %s) before lxnt's code ran"
                         % wine.status)
            return not problems, problems, retry
        finally:
            if self.keep:
                print("# kept %s" % top, flush=True)
            else:
                shutil.rmtree(top, ignore_errors=True)

    def run_case_checked(self, case):
        """run_case, and once more when the lxnt side failed for a reason
        outside lxnt: Wine's exit-time Unix SIGKILL, which a loaded machine
        sometimes gives a process that had finished (its status is lost with
        it), or a Wine process that ended, silently, before the runtime's
        first instruction (no start marker in the LXNT_STATS file; Wine's own
        messages are off).  Returns (ok, problems, notes), the notes printed
        whatever the verdict."""
        ok, problems, retry = self.run_case(case)
        if ok or not retry:
            return ok, problems, []
        ok, again, _ = self.run_case(case)
        notes = ["%s (%s); run again: %s" % (retry, "; ".join(problems[:3]),
                                             "passed" if ok else "failed")]
        return ok, again, notes

    def passwd_root(self, top):
        """A root for the converted side that holds this machine's
        /etc/passwd and /etc/group, so that user and group names resolve
        as they do for the native side, and an empty /tmp.  Outside both
        copies."""
        etc = os.path.join(top, "root", "etc")
        os.makedirs(etc)
        os.makedirs(os.path.join(top, "root", "tmp"))
        for name in ("passwd", "group"):
            shutil.copyfile(os.path.join("/etc", name), os.path.join(etc, name))
        return os.path.dirname(etc)

    def elfroot_files(self, case):
        """{path in the root: file on this machine} for an `elfroot` case:
        its entries (a tests/guest program by name, or a path: a
        directory is copied whole), and the
        shared objects that `ldd` names for each dynamic one, at the paths
        ld.so looks them up by."""
        files = {}
        for rel, origin in case["elfroot"].items():
            path = origin if origin.startswith("/") else self.elf_of(origin)[0]
            files[rel] = path
            if os.path.isdir(path):
                continue
            for lib in elfroot.shared_objects(path):
                files.setdefault(lib.lstrip("/"), lib)
        return files

    def elf_native_bin(self, top, case):
        """The native side's directory of the root's bin/ programs, first
        on its PATH, so that both sides find them by the same names."""
        d = os.path.join(top, "native-bin")
        if not os.path.isdir(d):
            os.makedirs(d)
            for rel, path in self.elfroot_files(case).items():
                if rel.startswith("bin/"):
                    os.symlink(path, os.path.join(d, os.path.basename(rel)))
        return d

    def elf_rewritten(self, path):
        """--force-trap: path rewritten with every site on the trap rung,
        once per run; convert copies an already rewritten file as it is."""
        out = os.path.join(self.bindir, "elf-trap", path.strip("/").replace("/", "_"))
        with self.gen_lock:
            if not os.path.exists(out):
                os.makedirs(os.path.dirname(out), exist_ok=True)
                subprocess.run([self.lxnt, "rewrite", path, "-o", out + ".tmp", "-q",
                                "--force-trap"], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                os.rename(out + ".tmp", out)
        return out

    def elf_root(self, top, case):
        """A root made by `lxnt convert` from a tree holding this machine's
        /etc/passwd and /etc/group, an empty /tmp and the case's ELF files
        (mode 0755), as a converted Debian root holds its programs and
        libraries; the work directory is made afterwards."""
        src, root = os.path.join(top, "elfsrc"), os.path.join(top, "root")
        os.makedirs(os.path.join(src, "etc"))
        os.makedirs(os.path.join(src, "tmp"))
        os.chmod(os.path.join(src, "tmp"), 0o1777)
        for name in ("passwd", "group"):
            shutil.copyfile(os.path.join("/etc", name), os.path.join(src, "etc", name))
        for rel, path in self.elfroot_files(case).items():
            dest = os.path.join(src, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if os.path.isdir(path):
                shutil.copytree(path, dest)
                continue
            shutil.copyfile(self.elf_rewritten(path) if self.force_trap else path, dest)
            os.chmod(dest, 0o755)
        cache = os.path.join(self.work, "convert-cache")
        r = subprocess.run([self.lxnt, "convert", src, root, "-q", "--cache", cache],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("lxnt convert: %s" % r.stdout.decode(errors="replace")[-300:])
        return root

    def add_stats(self, path):
        """Adds one run's counts to the suite's totals and returns them,
        with whether a process of the run reached the runtime's first
        instruction (its "lxnt-started" line, runtime/stats.c)."""
        run, started = {}, False
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    started = started or line.startswith("lxnt-started")
                    for name, value in STATS_FIELD.findall(line):
                        run[name] = run.get(name, 0) + int(value)
        with self.stats_lock:
            for name, value in run.items():
                self.stats[name] = self.stats.get(name, 0) + value
        return run, started

    def known_gap(self, case):
        if self.force_trap and case["name"] in TRAP_GAPS:
            return "trap rung: " + TRAP_GAPS[case["name"]]
        return case.get("known_gap")

    def stdin_file(self, case, top):
        src = case.get("stdin")
        path = os.path.join(top, "stdin")
        if isinstance(src, tuple):
            with open(path, "w") as f:
                f.write(src[1])
        elif src:
            shutil.copyfile(os.path.join(FIXTURES, case["fixture"], src), path)
        else:
            open(path, "w").close()
        return path


class Result:
    def __init__(self, status, stdout, stderr, note="", unix_killed=False):
        self.status, self.stdout, self.stderr, self.note = status, stdout, stderr, note
        self.unix_killed = unix_killed


def default_signals():
    """A shell that starts the suite as a background job without job
    control leaves SIGINT and SIGQUIT ignored, and exec keeps that: the
    native side would then survive what a converted program, which starts
    from default dispositions, dies of.  Both sides start from defaults."""
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def run_side(argv, executable, cwd, env, stdin_path, timeout, merged=False):
    """Runs one side; the exit status is the shell's view: the exit code, or
    128 + signal number for a process killed by a signal.  merged: stderr
    is stdout's open file description (a shell's `> out 2>&1`)."""
    # Output goes to files, not pipes: a Wine process may leave a helper
    # behind that holds a pipe open long after the guest has exited.
    out_path, err_path = cwd + ".stdout", cwd + ".stderr"
    with open(stdin_path, "rb") as stdin, open(out_path, "wb") as out_f, \
            open(err_path, "wb") as err_f:
        p = subprocess.Popen(argv, executable=executable, cwd=cwd, env=env,
                             stdin=stdin, stdout=out_f,
                             stderr=subprocess.STDOUT if merged else err_f,
                             start_new_session=True, preexec_fn=default_signals)
        try:
            p.wait(timeout=timeout)
            late = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            late = True
    with open(out_path, "rb") as f:
        out = f.read()
    with open(err_path, "rb") as f:
        err = f.read()
    if late:
        return Result(None, out, err, "timed out after %d s" % timeout)
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    note = " (SIGSYS: killed by lxnt-guard)" if p.returncode == -signal.SIGSYS else ""
    # A Windows process's own SIGKILL is exit code 137.  A Unix SIGKILL
    # of the Wine process is Wine's server ending a process still there
    # one second after its Windows side ended (start_sigkill_timer): the
    # Windows exit code is lost, the process had already finished.
    killed = p.returncode == -signal.SIGKILL
    if killed:
        note = " (a Unix SIGKILL: Wine's server ends a process still there 1 s after its end)"
    return Result(status, out, err, note, killed)


def snapshot(top):
    """What a directory holds, as {relative path: (type, content digest or
    link target)}.  Times, modes and owners are left out: the two sides run
    on different file systems (docs/testing.md)."""
    tree = {}
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(VFS_METADATA_PREFIXES)]
        for name in dirs + files:
            if name.startswith(VFS_METADATA_PREFIXES):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ("symlink", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", "")
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                tree[rel] = ("file", "%d bytes sha256 %s" % (st.st_size, h.hexdigest()[:16]))
            else:
                tree[rel] = ("other %o" % stat.S_IFMT(st.st_mode), "")
    return tree


# The portable metadata format (docs/formats.md): records of two slots per
# file id in the store at the rootfs's root, in record tables (a store that
# holds the t directory: 4,096 entries of 208 bytes per file, the entry of
# an id at (id & 4095) * 208 in the table id >> 12) or, in stores that
# earlier builds made, a record file per id.  Under Wine a file id is the
# Unix inode number, so the host can read a converted side's tree as lxnt
# sees it.
METASTORE = "\uf000lxnt"
METAREC = struct.Struct("<IIQIIIIQqqqIIIIqqII")
TABLE_SHIFT = 12


def meta_record(root, ino):
    """The Linux mode of the file with inode `ino`, or None without a record."""
    store = os.path.join(root, METASTORE)
    table = os.path.isdir(os.path.join(store, "t"))
    if table:
        path = os.path.join(store, "t", "%012x" % ((ino & (1 << 48) - 1) >> TABLE_SHIFT))
        where = (ino & ((1 << TABLE_SHIFT) - 1)) * 2 * METAREC.size
    else:
        path, where = os.path.join(store, "%02x" % (ino & 0xff), "%016x" % ino), 0
    try:
        with open(path, "rb") as f:
            f.seek(where)
            data = f.read(2 * METAREC.size)
    except FileNotFoundError:
        return None
    # One or two slots; the current record is the intact slot of this
    # inode with the later sequence number (field 17, which wraps).  A
    # record file shorter than a slot holds none (a first write cut by a
    # kill); a table's slots of zeros or of another id's intact record
    # are empty.
    best, torn = None, False
    for off in range(0, len(data) - METAREC.size + 1, METAREC.size):
        rec = METAREC.unpack_from(data, off)
        slot = data[off:off + METAREC.size]
        intact = rec[0] == 0x314d584c and zlib.crc32(slot[:100]) == rec[-1]
        if table and (not any(slot) or (intact and rec[2] != ino)):
            continue
        if not intact or rec[2] != ino:
            torn = True
            continue
        if best is None or 0 < (rec[17] - best[17]) % (1 << 32) < (1 << 31):
            best = rec
    if best is None:
        return "damaged" if torn else None
    return best[3]


def linux_name(name):
    """A Windows name back to the Linux one: U+F000 + c is the byte c."""
    return "".join(chr(ord(c) - 0xf000) if 0xf000 <= ord(c) <= 0xf0ff else c for c in name)


def snapshot_rootfs(top, root):
    """snapshot() of a tree in the portable format, as lxnt presents it."""
    tree = {}
    for dirpath, dirs, files in os.walk(top):
        for name in dirs + files:
            if name.startswith("\uf000"):
                continue  # the store and files being created
            path = os.path.join(dirpath, name)
            rel = linux_name(os.path.relpath(path, top))
            st = os.lstat(path)
            mode = meta_record(root, st.st_ino)
            if mode == "damaged":
                tree[rel] = ("damaged record", "")
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", "")
            elif mode is not None and stat.S_ISLNK(mode):
                with open(path, "rb") as f:
                    tree[rel] = ("symlink", f.read().decode(errors="surrogateescape"))
            elif mode is not None and not stat.S_ISREG(mode):
                tree[rel] = ("other %o" % stat.S_IFMT(mode), "")
            else:
                tree[rel] = snapshot_file(path, st)
    return tree


def snapshot_file(path, st):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return ("file", "%d bytes sha256 %s" % (st.st_size, h.hexdigest()[:16]))


def first_difference(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: native %r, lxnt %r" % (i + 1, x[:200], y[:200])
    i = min(len(la), len(lb))
    return "line %d: native %r, lxnt %r" % (
        i + 1, (la[i] if i < len(la) else b"<end>")[:200], (lb[i] if i < len(lb) else b"<end>")[:200])


def compare(native, wine, native_dir, wine_dir, rootfs=None):
    problems = []
    if wine.status is None or native.status is None:
        problems.append("native %s, lxnt %s" % (native.note or "ran", wine.note or "ran"))
    elif native.status != wine.status:
        problems.append("exit status: native %d, lxnt %d%s" % (native.status, wine.status, wine.note))
    for what in ("stdout", "stderr"):
        a, b = getattr(native, what), getattr(wine, what)
        if a != b:
            problems.append("%s differs (%d vs %d bytes), %s" % (what, len(a), len(b),
                                                                first_difference(a, b)))
    ta = snapshot(native_dir)
    tb = snapshot_rootfs(wine_dir, rootfs) if rootfs else snapshot(wine_dir)
    for rel in sorted(set(ta) | set(tb)):
        if ta.get(rel) != tb.get(rel):
            problems.append("file %s: native %s, lxnt %s" % (rel, ta.get(rel, "absent"),
                                                             tb.get(rel, "absent")))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True, help="the meson build directory")
    ap.add_argument("--tap", action="store_true", help="TAP output for meson test")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep each case's directories")
    ap.add_argument("--force-trap", action="store_true",
                    help="pack with every site on the trap rung")
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()

    selected = [c for c in case_table.CASES if not args.cases or c["name"] in args.cases]
    if not selected:
        print("no such case: %s" % " ".join(args.cases), file=sys.stderr)
        return 2
    suite = Suite(args)
    if args.tap:
        print("1..%d" % len(selected), flush=True)
    suite.pack_all(selected)
    suite.wine.start()
    passed = failed = gaps = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(suite.run_case_checked, c) for c in selected]
            for n, (case, fut) in enumerate(zip(selected, futures), 1):
                try:
                    ok, problems, notes = fut.result()
                except Exception as e:  # a harness bug must not hide the other cases
                    ok, problems, notes = False, ["harness error: %r" % e], []
                known = suite.known_gap(case)
                if known and ok:
                    # A gap that closed must lose its marker, or it hides
                    # the next regression of the same behaviour.
                    ok, problems = False, ["passes now: remove its known_gap"]
                    known = None
                if known:
                    gaps += 1
                else:
                    passed += ok
                    failed += not ok
                word = ("ok" if ok else "not ok") if args.tap else ("PASS" if ok else "FAIL")
                if known:
                    word = "not ok" if args.tap else "KNOWN-GAP"
                line = ("%s %d - %s" % (word, n, case["name"]) if args.tap
                        else "%s %s" % (word, case["name"]))
                print(line + (" # TODO %s" % known if known else ""), flush=True)
                for p in notes + problems[:8]:
                    print("#   %s" % p, flush=True)
    finally:
        suite.wine.stop()
    # The last line is what CI reads; under TAP it must be a comment.
    print("# site executions over the suite (LXNT_STATS): %s" % (", ".join(
        "%s %d" % kv for kv in sorted(suite.stats.items())) or "none recorded"))
    if gaps:
        print("# %d known gaps (marked known_gap in cases.py)" % gaps)
    print("%s%d passed, %d failed" % ("# " if args.tap else "", passed, failed))
    # Under TAP the test points carry the verdict; a non-zero status would
    # make meson report the whole test as an error instead of a failure.
    return 0 if args.tap or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
