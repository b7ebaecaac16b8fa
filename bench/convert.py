#!/usr/bin/env python3
"""Conversion speed (docs/benchmarks.md): `lxnt convert` of the minbase
rootfs of scripts/minbase, against `objdump -d` of the same ELF files as a
reference for how fast a mature disassembler decodes that much code.

  bench/convert.py [BUILD_DIR]     (also run at the end of bench/run)

Rows, each one run (a cold cache can only be cold once):
  convert, cold cache   `lxnt convert` with an empty cache directory, one
                        worker per online CPU
  convert, warm cache   the same again with the cache the first run filled
  objdump -d, 1 process every ELF file in turn, output to /dev/null
  objdump -d, N parallel the same with N processes at a time, N = the
                        number of online CPUs: the fair match for convert,
                        which uses them all
MB/s is megabytes (10^6) of ELF input per second of wall time; CPU is the
user and system time of the processes, which a busy machine moves less.  Skipped
when the rootfs is missing (scripts/minbase builds it, as root).
"""
import concurrent.futures
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def minbase_dir():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "lxnt", "minbase-bookworm")


def is_convertible_elf(path):
    """ELF64, little-endian, x86-64, ET_EXEC or ET_DYN: what convert rewrites."""
    with open(path, "rb") as f:
        h = f.read(20)
    return (len(h) == 20 and h[:4] == b"\x7fELF" and h[4] == 2 and h[5] == 1 and
            int.from_bytes(h[18:20], "little") == 62 and
            int.from_bytes(h[16:18], "little") in (2, 3))


def elf_files(rootfs):
    """The distinct inodes among the rootfs's convertible ELF files."""
    seen, files = set(), []
    for dirpath, _, names in os.walk(rootfs):
        for name in names:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if not os.path.isfile(p) or os.path.islink(p) or (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            if st.st_size >= 20 and is_convertible_elf(p):
                files.append((p, st.st_size))
    return files


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn):
    """(wall seconds, CPU seconds of the child processes, fn's result)."""
    cpu, start = children_cpu(), time.perf_counter()
    ok = fn()
    return time.perf_counter() - start, children_cpu() - cpu, ok


def objdump(path):
    return subprocess.run(["objdump", "-d", path], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def rows(build_dir):
    rootfs = minbase_dir()
    if not os.path.isdir(rootfs):
        return None
    lxnt = os.path.join(build_dir, "tools", "lxnt")
    cpus = os.cpu_count() or 1
    files = elf_files(rootfs)
    mb = sum(size for _, size in files) / 1e6
    out = []
    work = tempfile.mkdtemp(prefix="lxnt-bench-convert-")
    try:
        cache = os.path.join(work, "cache")
        for label, dest in (("cold cache", "d1"), ("warm cache", "d2")):
            def run():
                r = subprocess.run([lxnt, "convert", rootfs, os.path.join(work, dest), "-q",
                                    "--cache", cache], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
                m = re.search(rb"ELF files: (\d+) rewritten", r.stdout)
                return r.returncode == 0 and m and int(m.group(1)) == len(files)
            secs, cpu, ok = timed(run)
            out.append(("lxnt convert, %s, %d workers" % (label, cpus), secs, cpu, ok))
            shutil.rmtree(os.path.join(work, dest), ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    secs, cpu, ok = timed(lambda: all(objdump(p) for p, _ in files))
    out.append(("objdump -d, 1 process", secs, cpu, ok))
    with concurrent.futures.ThreadPoolExecutor(cpus) as pool:
        secs, cpu, ok = timed(lambda: all(pool.map(objdump, [p for p, _ in files])))
    out.append(("objdump -d, %d in parallel" % cpus, secs, cpu, ok))
    return len(files), mb, out


def report(build_dir):
    got = rows(build_dir)
    if got is None:
        print("conversion: skipped, no %s (run scripts/minbase as root)" % minbase_dir())
        return 0
    n, mb, table = got
    print("conversion of the minbase rootfs: %d ELF files, %.1f MB" % (n, mb))
    head = ("benchmark", "wall", "ELF MB/s", "CPU (user+sys)")
    lines = [(name, "%.1f s" % secs, "%.1f" % (mb / secs) if ok else "failed", "%.1f s" % cpu)
             for name, secs, cpu, ok in table]
    widths = [max(len(r[i]) for r in lines + [head]) for i in range(4)]
    for r in [head, tuple("-" * w for w in widths)] + lines:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0 if all(ok for *_, ok in table) else 1


if __name__ == "__main__":
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    sys.exit(report(build))
