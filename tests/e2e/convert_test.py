#!/usr/bin/env python3
"""Tests of `lxnt convert` (TAP, for meson test; docs/testing.md):

  convert_test.py tree BUILD_DIR      a small generated tree, DEST checked exactly
  convert_test.py minbase BUILD_DIR   the minbase rootfs of scripts/minbase: zero failures

The generated tree holds two ELF files from /bin (static busybox, dynamic
PIE true), a symlink, a hard-linked ELF pair, a setuid file, a sticky
directory, a text file, a 32-bit ELF (copied as data), a truncated ELF
(left out and reported), a FIFO, and nested and empty directories, each
with its own mode and mtime.  DEST holds plain files and directories only
(a symlink is a file holding its target, a FIFO an empty file) and the
Linux metadata of every entry in its manifest, which this test reads with
a reader of its own (docs/formats.md, "The import manifest"); under lxnt
import_test.py checks it.  The same tree as a tarball gives the same
DEST (import_test.py checks tarballs further).  The minbase test builds the rootfs with scripts/minbase when
run as root and it is missing; otherwise it is skipped.
"""
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT_LXNT_SITES = 0x6c786e74


def site_header_magic(path):
    """The 8 bytes at the PT_LXNT_SITES segment of an ELF64 file, or None."""
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        p_type, _, p_offset = struct.unpack_from("<IIQ", data, phoff + i * phentsize)
        if p_type == PT_LXNT_SITES:
            return data[p_offset:p_offset + 8]
    return None


def make_tree(src):
    """The source tree; returns {relative path: what the test expects}."""
    with open("/bin/busybox", "rb") as f:
        busybox = f.read()
    os.makedirs(os.path.join(src, "bin"))
    os.makedirs(os.path.join(src, "usr/lib/deep/er"))
    os.makedirs(os.path.join(src, "var/empty"))
    os.makedirs(os.path.join(src, "tmp"))
    shutil.copyfile("/bin/busybox", os.path.join(src, "bin/busybox"))
    shutil.copyfile("/bin/true", os.path.join(src, "bin/true"))
    os.link(os.path.join(src, "bin/true"), os.path.join(src, "usr/lib/true-link"))
    os.symlink("busybox", os.path.join(src, "bin/sh"))
    os.symlink("/no/such/target", os.path.join(src, "usr/lib/dangling"))
    shutil.copyfile("/bin/true", os.path.join(src, "bin/su"))
    with open(os.path.join(src, "usr/lib/deep/er/notes.txt"), "w") as f:
        f.write("not an ELF file\n")
    # elf(5): EI_CLASS = ELFCLASS32 is what makes a file 32-bit to any reader.
    with open(os.path.join(src, "usr/lib/elf32"), "wb") as f:
        f.write(busybox[:4] + b"\x01" + busybox[5:])
    with open(os.path.join(src, "usr/lib/broken.so"), "wb") as f:
        f.write(busybox[:1000])
    os.mkfifo(os.path.join(src, "tmp/fifo"))
    os.chmod(os.path.join(src, "bin/su"), 0o4755)
    os.chmod(os.path.join(src, "tmp"), 0o1777)
    os.chmod(os.path.join(src, "var/empty"), 0o700)
    os.chmod(os.path.join(src, "usr/lib/deep/er/notes.txt"), 0o640)
    # Distinct mtimes, deepest first so that later changes do not move them.
    paths = []
    for dirpath, dirs, files in os.walk(src):
        for name in dirs + files:
            paths.append(os.path.relpath(os.path.join(dirpath, name), src))
    for n, rel in enumerate(sorted(paths, key=lambda p: -p.count("/"))):
        os.utime(os.path.join(src, rel), ns=(1500000000 * 10**9 + n * 10**9 + 123,) * 2,
                 follow_symlinks=False)
    os.utime(src, ns=(1400000000 * 10**9,) * 2)


def describe(root):
    """{relative path: (type, mode, uid, gid, mtime_ns, link target)}."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in [""] + dirs + files if dirpath == root else dirs + files:
            p = os.path.join(dirpath, name) if name else root
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            target = os.readlink(p) if stat.S_ISLNK(st.st_mode) else None
            mode = None if stat.S_ISLNK(st.st_mode) else stat.S_IMODE(st.st_mode)
            out[rel] = (stat.S_IFMT(st.st_mode), mode, st.st_uid, st.st_gid,
                        st.st_mtime_ns, target)
    return out


MANIFEST = "\uf000lxnt-manifest"
TYPES = {"d": stat.S_IFDIR, "f": stat.S_IFREG, "l": stat.S_IFLNK, "p": stat.S_IFIFO,
         "s": stat.S_IFSOCK, "c": stat.S_IFCHR, "b": stat.S_IFBLK}


def unescape(field):
    """%XX to bytes."""
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), field.encode())


def decode_name(name):
    """The name codec's decoder (docs/vfs.md, "Names"): U+F001-U+F0FF are
    the bytes they carry, anything else its UTF-8 form."""
    out = bytearray()
    for ch in name:
        out += bytes([ord(ch) - 0xF000]) if 0xF000 < ord(ch) <= 0xF0FF else ch.encode()
    return out.decode(errors="surrogateescape")


def describe_manifest(dest):
    """describe() of the tree that DEST's manifest names, and the problems
    of the manifest itself."""
    out, problems = {}, []
    with open(os.path.join(dest, MANIFEST)) as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "lxnt-manifest 1" or lines[-1] != "end %d" % (len(lines) - 2):
        return out, ["manifest header or end line wrong: %r %r" % (lines[:1], lines[-1:])]
    for n, line in enumerate(lines[1:-1]):
        f = line.split(" ")
        path = unescape(f[9]).decode()
        rel = "." if path == "." else "/".join(decode_name(c) for c in path.split("/"))
        kind = TYPES[f[0]]
        target = unescape(f[10]).decode() if f[0] == "l" else None
        if f[0] == "l":
            with open(os.path.join(dest, path), "rb") as g:
                if g.read().decode() != target:
                    problems.append("%s: DEST file does not hold the target" % rel)
        if os.path.isdir(os.path.join(dest, path)) != (f[0] == "d"):
            problems.append("%s: DEST and the manifest disagree on a directory" % rel)
        mtime = f[6].split(".")
        out[rel] = (kind, None if f[0] == "l" else int(f[1], 8), int(f[2]), int(f[3]),
                    int(mtime[0]) * 10**9 + int(mtime[1]), target)
        if f[8] != "-" and int(f[8]) > n:
            problems.append("%s: hard-link group %s names a later entry" % (rel, f[8]))
    for dirpath, dirs, files in os.walk(dest):
        for name in dirs + files:
            st = os.lstat(os.path.join(dirpath, name))
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                problems.append("%s: DEST holds something other than files and directories"
                                % name)
    return out, problems


def convert(lxnt, src, dest, *extra):
    r = subprocess.run([lxnt, "convert", src, dest, "-q"] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def same_bytes(a, b):
    if not (os.path.isfile(a) and os.path.isfile(b)):
        return False
    with open(a, "rb") as f, open(b, "rb") as g:
        return f.read() == g.read()


def check_dest(src, dest, rc, out, err):
    """Problems of one conversion of the generated tree."""
    problems = []
    if rc == 0:
        problems.append("exit status 0 although usr/lib/broken.so cannot be rewritten")
    errlines = err.splitlines()
    if len(errlines) != 1 or "usr/lib/broken.so" not in errlines[0]:
        problems.append("stderr should be one line naming usr/lib/broken.so: %r" % err[:400])
    if "failed (left out of DEST): 1" not in out:
        problems.append("summary does not count one failure")
    want = describe(src)
    got, manifest_problems = describe_manifest(dest)
    problems += manifest_problems
    del want["usr/lib/broken.so"]
    if sorted(want) != sorted(got):
        problems.append("paths differ: missing %s, extra %s" % (
            sorted(set(want) - set(got)), sorted(set(got) - set(want))))
    for rel in sorted(set(want) & set(got)):
        if want[rel] != got[rel]:
            problems.append("%s: (type, mode, uid, gid, mtime, target) %s, expected %s" %
                            (rel, got[rel], want[rel]))
    a, b = (os.lstat(os.path.join(dest, p)) if os.path.lexists(os.path.join(dest, p)) else None
            for p in ("bin/true", "usr/lib/true-link"))
    if not a or not b or (a.st_ino, a.st_nlink) != (b.st_ino, 2):
        problems.append("bin/true and usr/lib/true-link are not one inode with 2 links")
    for rel in ("bin/busybox", "bin/true", "bin/su"):
        magic = site_header_magic(os.path.join(dest, rel))
        if magic != b"LXNTSITE":
            problems.append("%s: no site header (%r)" % (rel, magic))
    for rel in ("usr/lib/elf32", "usr/lib/deep/er/notes.txt"):
        if not same_bytes(os.path.join(src, rel), os.path.join(dest, rel)):
            problems.append("%s: not copied byte for byte" % rel)
    # busybox, true and su (true's content, another inode); true-link is a link.
    if not re.search(r"ELF files: 3 rewritten", out):
        problems.append("summary does not count 3 rewritten ELF files: %r" % out[:400])
    return problems


def cache_entries(cache):
    found = []
    for dirpath, _, files in os.walk(cache):
        found += [os.path.join(dirpath, f) for f in files]
    return found


def run_tree(lxnt):
    tests = []
    tmp = tempfile.mkdtemp(prefix="lxnt-convert-")
    try:
        src, cache = os.path.join(tmp, "src"), os.path.join(tmp, "cache")
        make_tree(src)
        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d1"), "--cache", cache)
        tests.append(("tree converted exactly, broken ELF left out",
                      check_dest(src, os.path.join(tmp, "d1"), rc, out, err)))
        # The two distinct ELF contents (busybox, true = su) make two entries.
        entries = cache_entries(cache)
        problems = [] if len(entries) == 2 else ["%d cache entries, expected 2" % len(entries)]
        tests.append(("cache holds one entry per ELF content", problems))

        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d2"), "--cache", cache)
        problems = check_dest(src, os.path.join(tmp, "d2"), rc, out, err)
        m = re.search(r"(\d+) rewritten \((\d+) from the cache\)", out)
        if not m or m.group(1) != m.group(2) or m.group(1) == "0":
            problems.append("second run did not take every ELF file from the cache: %r" %
                            (m.group(0) if m else out[:300]))
        for rel in ("bin/busybox", "bin/true"):
            if not same_bytes(os.path.join(tmp, "d1", rel), os.path.join(tmp, "d2", rel)):
                problems.append("%s differs between the first and the cached run" % rel)
        tests.append(("second run hits the cache", problems))

        # A damaged entry is detected by its own hash, ignored and replaced.
        # With one worker the order is fixed: busybox and su find damaged
        # entries and rewrite, then true finds the entry su just stored.
        for path in entries:
            with open(path, "r+b") as f:
                f.seek(-1, os.SEEK_END)
                last = f.read(1)
                f.seek(-1, os.SEEK_END)
                f.write(bytes([last[0] ^ 0xff]))
        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d3"), "--cache", cache, "-j", "1")
        problems = check_dest(src, os.path.join(tmp, "d3"), rc, out, err)
        if "(1 from the cache)" not in out or "2 damaged entries" not in out:
            problems.append("damaged entries were not detected: %r" % out[:400])
        if not same_bytes(os.path.join(tmp, "d1", "bin/busybox"), os.path.join(tmp, "d3", "bin/busybox")):
            problems.append("bin/busybox differs after a damaged cache entry")
        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d4"), "--cache", cache)
        if "(3 from the cache)" not in out:
            problems.append("damaged entries were not replaced: %r" % out[:400])
        tests.append(("damaged cache entries are detected and replaced", problems))

        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d5"), "--no-cache", "-j", "1")
        problems = check_dest(src, os.path.join(tmp, "d5"), rc, out, err)
        if "(0 from the cache)" not in out:
            problems.append("--no-cache used the cache")
        tests.append(("--no-cache -j 1", problems))

        rc, out, err = convert(lxnt, src, os.path.join(tmp, "d1"), "--no-cache")
        problems = []
        if rc == 0 or len(err.splitlines()) != 1 or "d1" not in err:
            problems.append("a non-empty DEST was not refused with one line: %d %r" % (rc, err))
        tests.append(("refuses a non-empty DEST", problems))

        # 90 upper-case letters are 90 escapes, 270 bytes of UTF-8 in DEST.
        small = os.path.join(tmp, "small")
        os.makedirs(os.path.join(small, "dir"))
        long_name = "A" * 90
        for name in (long_name, "kept"):
            with open(os.path.join(small, "dir", name), "w") as f:
                f.write("x\n")
        rc, out, err = convert(lxnt, small, os.path.join(tmp, "d7"), "--no-cache")
        problems = []
        if rc != 1 or len(err.splitlines()) != 1 or long_name not in err or "NAME_MAX" not in err:
            problems.append("the long name was not reported alone: %d %r" % (rc, err))
        got, manifest_problems = describe_manifest(os.path.join(tmp, "d7"))
        if sorted(got) != [".", "dir", "dir/kept"] or manifest_problems:
            problems.append("DEST should hold dir/kept only: %r %r" % (sorted(got), manifest_problems))
        tests.append(("a name too long once encoded is left out and reported", problems))

        # The same tree as a pax tarball (nanosecond mtimes): the same
        # DEST, its ELF files the same bytes and taken from the cache.
        # Staging directories of d6 left by killed converts: the one of a
        # pid that no longer runs goes, the one of a running pid stays.
        tarball = os.path.join(tmp, "rootfs.tar.gz")
        subprocess.run(["tar", "--format=pax", "-czf", tarball, "-C", src, "."], check=True)
        gone = subprocess.Popen(["true"])
        gone.wait()
        stale = os.path.join(tmp, "d6.tar-%d-Ab12Cd" % gone.pid)
        alive = os.path.join(tmp, "d6.tar-%d-Ef34Gh" % os.getpid())
        for d in (stale, alive):
            os.mkdir(d)
            with open(os.path.join(d, "1"), "w") as f:
                f.write("staged data\n")
        rc, out, err = convert(lxnt, tarball, os.path.join(tmp, "d6"), "--cache", cache)
        rest = "".join(l for l in err.splitlines(True) if "left by a convert" not in l)
        problems = check_dest(src, os.path.join(tmp, "d6"), rc, out, rest)
        if os.path.exists(stale) or "removing %s, left by a convert" % stale not in err:
            problems.append("the staging directory of a dead convert was not removed: %r" % err)
        if not os.path.exists(os.path.join(alive, "1")):
            problems.append("the staging directory of a running pid was removed")
        shutil.rmtree(alive)
        if not re.search(r"3 rewritten \(3 from the cache\)", out):
            problems.append("the tarball's ELF files were not taken from the cache: %r" % out[:300])
        for rel in ("bin/busybox", "bin/true", "usr/lib/elf32"):
            if not same_bytes(os.path.join(tmp, "d1", rel), os.path.join(tmp, "d6", rel)):
                problems.append("%s differs between the directory and the tarball" % rel)
        if [n for n in os.listdir(tmp) if ".tar-" in n]:
            problems.append("the staging directory was left: %r" % os.listdir(tmp))
        tests.append(("a tarball of the tree converts as the directory does, and a killed "
                      "convert's staging directory goes", problems))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tests


def run_minbase(lxnt):
    """Converts the minbase rootfs; None (skip) if it is absent and cannot be built."""
    default = os.path.join(os.environ.get("XDG_CACHE_HOME") or
                           os.path.expanduser("~/.cache"), "lxnt", "minbase-bookworm")
    if not os.path.isdir(default):
        if os.geteuid() != 0:
            return None
        r = subprocess.run([os.path.join(ROOT, "scripts", "minbase"), default],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1200)
        if r.returncode != 0:
            return [("build the minbase rootfs", [r.stderr.decode(errors="replace")[:500]])]
    tmp = tempfile.mkdtemp(prefix="lxnt-convert-minbase-")
    try:
        rc, out, err = convert(lxnt, default, os.path.join(tmp, "rootfs"),
                               "--cache", os.path.join(tmp, "cache"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    problems = [] if rc == 0 else ["exit status %d" % rc] + err.splitlines()[:20]
    m = re.search(r"ELF files: (\d+) rewritten", out)
    if not m or int(m.group(1)) < 500:
        problems.append("fewer ELF files than a minbase rootfs holds: %r" % out[:300])
    details = problems + [line for line in out.splitlines()]
    return [("minbase rootfs converts with zero failures", problems, details),
            ("minbase sites off the trap rung: 99.5% syscall, 99.9% %fs",
             coverage_problems(out), details)]


# The coverage goal of docs/architecture.md ("Rewriting"), from the summary's
# per-kind rows: kind, sites, one column per rung, then "NN.NN%" off the trap.
COVERAGE_GOAL = {"syscall": 99.5, "fs": 99.9}


def coverage_problems(out):
    problems = []
    for kind, goal in COVERAGE_GOAL.items():
        m = re.search(r"^\s+%s\s+(\d+)\s.*\s([\d.]+)%%$" % kind, out, re.M)
        if not m:
            problems.append("no %s row in the summary" % kind)
        elif float(m.group(2)) < goal:
            problems.append("%s: %s%% off the trap rung, goal %.1f%%" % (kind, m.group(2), goal))
    return problems


def main(argv):
    mode, build = argv[0], os.path.abspath(argv[1])
    lxnt = os.path.join(build, "tools", "lxnt")
    if mode == "tree":
        tests = [(name, problems, problems) for name, problems in run_tree(lxnt)]
    else:
        tests = run_minbase(lxnt)
        if tests is None:
            # Exit status 77 is meson's "skipped" (the test is not TAP for
            # this reason: scripts/test counts a TAP skip as a failure).
            print("skipped: no minbase rootfs (run scripts/minbase as root)")
            return 77
        tests = [t if len(t) == 3 else (t[0], t[1], t[1]) for t in tests]
    print("1..%d" % len(tests))
    for n, (name, problems, details) in enumerate(tests, 1):
        print("%s %d - %s" % ("not ok" if problems else "ok", n, name))
        for d in details:
            print("#   %s" % d)
    failed = sum(bool(p) for _, p, _ in tests)
    print("# %d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
