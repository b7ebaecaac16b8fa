#!/usr/bin/env python3
"""File-system cost (docs/benchmarks.md, "vfs"): per-operation cost of
create, stat, readdir, rename and unlink over N files in one directory, and
the untar of a 10,000-file tree, natively, under lxnt in a rootfs with its
Linux metadata, and for a native Windows program making the equivalent
Win32 calls under Wine: the floor any Windows-side implementation sits on.

  bench/vfs.py [BUILD_DIR] [N]     (also run by bench/run; N = 5000)

Rows, one run each (a slow machine makes these long; the spread between
runs is in docs/benchmarks.md):
  create/stat/readdir/rename/unlink
      bench/vfs_ops (Linux, packed for lxnt) and bench/vfs_floor.exe ops:
      microseconds per file, timed inside the programs.
  untar 10,000 files
      busybox `tar xf` of a tree of 100 directories of 100 files (64 bytes
      each), natively and packed under lxnt (into the rootfs), against
      vfs_floor.exe untar, which extracts the same archive making the Win32
      equivalent of each call busybox makes per member (its mkdir and stat
      of the parents, the unlink of the new name, the create, the copy, the
      close, the times set by name); microseconds per file of the whole
      run's wall time.
  untar, the floor's creations alone
      the same lxnt run against vfs_floor.exe tree, which only creates the
      directories and files (CreateFile, WriteFile, CloseHandle): what the
      extraction's creations cost, without the calls tar adds around them.
The ratios are lxnt against the Wine floor (the issue's target: 1.5x) and
against native Linux.
"""
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import winectl  # noqa: E402

PHASES = ("create", "stat", "readdir", "rename", "unlink")
TREE_DIRS, TREE_FILES = 100, 100
PAYLOAD = b"lxnt vfs benchmark payload, sixty-four bytes of it ........\n\0\0\0\0"[:64]


def win_path(path):
    return "Z:" + path.replace("/", "\\")


def phases(output):
    """{phase: us/op} from the programs' "PHASE US us/op" lines."""
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^(\w+) ([0-9.]+) us/op$", output, re.M)}


def run(argv, env=None):
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.stderr.write("bench/vfs: %s failed (%d): %s\n" % (argv[-3:], r.returncode,
                                                               r.stderr.strip()[-300:]))
        return {}
    return phases(r.stdout)


def make_tree_tar(path):
    with tarfile.open(path + ".tmp", "w", format=tarfile.USTAR_FORMAT) as t:
        for d in range(TREE_DIRS):
            info = tarfile.TarInfo("t/d%04d" % d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
            t.addfile(info)
            for f in range(TREE_FILES):
                info = tarfile.TarInfo("t/d%04d/f%06d" % (d, f))
                info.size, info.mode, info.mtime = len(PAYLOAD), 0o644, 1700000000
                t.addfile(info, io.BytesIO(PAYLOAD))
    os.rename(path + ".tmp", path)


def timed_us_per_file(argv, env=None):
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.stderr.write("bench/vfs: %s failed (%d): %s\n" % (argv[-4:], r.returncode,
                                                               r.stderr.strip()[-300:]))
        return None
    return elapsed * 1e6 / (TREE_DIRS * TREE_FILES)


def rows(build_dir, wine, env, n):
    """[(benchmark, native, lxnt, floor)] in microseconds per file."""
    lxnt = os.path.join(build_dir, "tools", "lxnt")
    work = os.path.join(build_dir, "bench")
    ops_elf = os.path.join(work, "vfs_ops")
    ops_exe = os.path.join(work, "vfs_ops.exe")
    floor_exe = os.path.join(work, "vfs_floor.exe")
    bb_exe = os.path.join(work, "busybox.exe")
    # Packed again each time: the runtime they carry is the build's.
    for elf, exe in ((ops_elf, ops_exe), ("/bin/busybox", bb_exe)):
        if os.path.exists(exe):
            os.unlink(exe)
        subprocess.run([lxnt, "pack", elf, "-o", exe], check=True, stdout=subprocess.DEVNULL)
    tar = os.path.join(work, "tree10k.tar")
    if not os.path.exists(tar):
        make_tree_tar(tar)
    out = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("LXNT_BENCH_DIR", work)) as tmp:
        rootfs = os.path.join(tmp, "rootfs")
        os.mkdir(rootfs)
        lenv = dict(env, LXNT_ROOT=win_path(rootfs))
        # The untar first, before the unlink phase frees 5,000 inodes: an
        # ext4 without a journal (this machine's) skips inodes freed in the
        # last minute or more at each creation, reading each one's inode,
        # so creations in the groups of those inodes cost more, and lxnt's
        # creations start in the group of the rootfs's one directory of new
        # files (docs/benchmarks.md, "Untar and ext4's recent deletions").
        os.mkdir(os.path.join(tmp, "untar-native"))
        native = timed_us_per_file(["/bin/busybox", "tar", "xf", tar, "-C",
                                    os.path.join(tmp, "untar-native")])
        conv = timed_us_per_file(wine.command(bb_exe, ["sh", "-c", "mkdir /u && tar xf /mnt/z%s -C /u"
                                                       % tar]), lenv)
        floor = timed_us_per_file(wine.command(floor_exe, [
            "untar", win_path(tar), win_path(os.path.join(tmp, "untar-floor"))]), env)
        creations = timed_us_per_file(wine.command(floor_exe, [
            "tree", win_path(os.path.join(tmp, "tree-floor")), str(TREE_DIRS), str(TREE_FILES)]), env)
        untar = [("untar %d files" % (TREE_DIRS * TREE_FILES), native, conv, floor),
                 ("untar, floor's creations alone", native, conv, creations)]
        native = run([ops_elf, os.path.join(tmp, "native"), str(n)])
        conv = run(wine.command(ops_exe, ["/ops", str(n)]), lenv)
        floor = run(wine.command(floor_exe, ["ops", win_path(os.path.join(tmp, "floor")), str(n)]),
                    env)
        for p in PHASES:
            out.append(("%s (%d files)" % (p, n), native.get(p), conv.get(p), floor.get(p)))
        out.extend(untar)
    return out


def fmt(v):
    return "%.1f us" % v if v is not None else "failed"


def ratio(a, b):
    return "%.2fx" % (a / b) if a and b else "n/a"


def print_table(table):
    head = ("vfs, per file", "native", "lxnt (Wine)", "Wine floor", "lxnt/floor", "lxnt/native")
    lines = [(name, fmt(a), fmt(b), fmt(c), ratio(b, c), ratio(b, a)) for name, a, b, c in table]
    widths = [max(len(r[i]) for r in lines + [head]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths)] + lines:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0 if all(None not in row for row in table) else 1


def report(build_dir, wine, env, n=5000):
    return print_table(rows(build_dir, wine, env, n))


def main(argv):
    build_dir = os.path.abspath(argv[0] if argv else os.path.join(ROOT, "build"))
    n = int(argv[1]) if len(argv) > 1 else 5000
    subprocess.run(["ninja", "-C", build_dir], check=True, stdout=subprocess.DEVNULL)
    wine = winectl.Wine(os.path.join(build_dir, "wineprefix"),
                        os.path.join(build_dir, "tools", "lxnt-guard"))
    env = wine.env(os.environ)
    wine.start()
    try:
        return report(build_dir, wine, env, n)
    finally:
        wine.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
