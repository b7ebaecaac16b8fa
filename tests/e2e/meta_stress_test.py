#!/usr/bin/env python3
"""The portable metadata format under kills and concurrency (docs/formats.md,
"The portable format"), as TAP:

  meta_stress_test.py BUILD_DIR

crash: a converted writer (tests/guest/metaops.c `writer`) creating,
chmod-ing, renaming, linking and unlinking files in a rootfs is ended by
TerminateProcess (vfs/tests/killer.c) at random moments, round after round;
after every round lxnt-fsck finds no damage, and at the end every entry has
the metadata the writer gave it (`metaops verify`, run converted).
checker: lxnt-fsck reports a record with one byte changed in every slot.
concurrency: four converted processes, started side by side, create 1,000
files each in one directory; all 4,000 are there with their mode and owner.
changers: four converted processes chmod, chown and set extended
attributes of one file 300 times each at once; the last change of each
survives (the record's lock); lxnt-fsck then finds the attribute file whole,
and reports it damaged once a byte of it is changed.
Every Wine process runs under lxnt-guard.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
import winectl  # noqa: E402

ROUNDS = 8
WRITERS, FILES_EACH = 4, 1000


class Stress:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.wine = winectl.Wine(os.path.join(self.build, "wineprefix"),
                                 os.path.join(self.build, "tools", "lxnt-guard"))
        self.top = tempfile.mkdtemp(prefix="lxnt-meta-stress-")
        self.exe = os.path.join(self.top, "metaops.exe")
        self.fsck_exe = os.path.join(self.build, "tools", "lxnt-fsck.exe")
        self.killer = os.path.join(self.build, "vfs", "tests", "killer.exe")

    def pack(self):
        subprocess.run([os.path.join(self.build, "tools", "lxnt"), "pack",
                        os.path.join(self.build, "tests", "guest", "metaops"), "-o", self.exe],
                       check=True, stdout=subprocess.DEVNULL)

    def root(self, name):
        root = os.path.join(self.top, name)
        os.makedirs(os.path.join(root, "work"))
        return root

    def env(self, root):
        # Wine keeps the store's U+F000 names only in a UTF-8 locale.
        return self.wine.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                              "LXNT_ROOT": "Z:" + root.replace("/", "\\"),
                              "LXNT_UID": str(os.getuid()), "LXNT_GID": str(os.getgid())})

    def run(self, root, argv, timeout=600):
        return subprocess.run(self.wine.command(argv[0], argv[1:]),
                              cwd=os.path.join(root, "work"), env=self.env(root),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)

    def fsck(self, root):
        return self.run(root, [self.fsck_exe, "Z:" + root.replace("/", "\\")])

    def crash(self):
        root, rng, problems = self.root("crash"), random.Random(4), []
        for r in range(ROUNDS):
            ms = rng.randrange(300, 2500)
            k = self.run(root, [self.killer, str(ms), "Z:" + self.exe.replace("/", "\\"),
                                "writer", str(r * 100000), "100000"])
            if b"killed after" not in k.stdout:
                problems.append("round %d: %s" % (r, k.stdout.decode(errors="replace")[-200:]))
            f = self.fsck(root)
            if f.returncode != 0:
                problems.append("round %d: lxnt-fsck %d: %s" % (
                    r, f.returncode, f.stdout.decode(errors="replace")[-400:]))
        v = self.run(root, [self.exe, "verify"])
        out = v.stdout.decode(errors="replace")
        print("# crash: %d rounds; %s" % (ROUNDS, out.strip().splitlines()[-1] if out else ""))
        print("# " + self.fsck(root).stdout.decode(errors="replace").strip().splitlines()[-1])
        if v.returncode != 0:
            problems.append("verify: " + out[-600:])
        return problems, root

    def checker(self, root):
        """A record of a live file damaged in its record table (docs/formats.md,
        "Record tables"): both slots of its entry, since one damaged slot
        beside an intact one is what a cut write leaves, not damage."""
        store = os.path.join(root, "\uf000lxnt")
        problems = []
        live = sorted(os.lstat(os.path.join(root, "work", n)).st_ino
                      for n in os.listdir(os.path.join(root, "work")))
        if not live or not os.path.isdir(os.path.join(store, "t")):
            return ["no live file, or the store has no record tables"]
        ino = live[0]
        target = os.path.join(store, "t", "%012x" % ((ino & (1 << 48) - 1) >> 12))
        where = (ino & 4095) * 208
        with open(target, "rb") as f:
            f.seek(where)
            good = f.read(208)
        if len(good) != 208 or not any(good):
            return ["no record of a live file in its table entry"]
        bad = bytearray(good)
        for slot in (0, 104):
            if any(good[slot:slot + 104]):
                bad[slot + 20] ^= 0xff
        with open(target, "r+b") as f:
            f.seek(where)
            f.write(bad)
        r = self.fsck(root)
        if r.returncode != 1 or b"damaged" not in r.stdout:
            problems.append("a damaged record went unreported: %d %s" % (
                r.returncode, r.stdout.decode(errors="replace")[-300:]))
        with open(target, "r+b") as f:
            f.seek(where)
            f.write(good)
        if self.fsck(root).returncode != 0:
            problems.append("the restored record is reported")
        return problems

    def concurrency(self):
        root, problems = self.root("concurrency"), []
        procs = [subprocess.Popen(self.wine.command(self.exe, ["create", str(k), str(FILES_EACH)]),
                                  cwd=os.path.join(root, "work"), env=self.env(root),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for k in range(WRITERS)]
        for k, p in enumerate(procs):
            out, _ = p.communicate(timeout=900)
            if p.returncode != 0:
                problems.append("writer %d: %d %s" % (k, p.returncode, out.decode(errors="replace")[-300:]))
        v = self.run(root, [self.exe, "verify", str(WRITERS * FILES_EACH)])
        out = v.stdout.decode(errors="replace")
        print("# concurrency: " + (out.strip().splitlines()[-1] if out else ""))
        if v.returncode != 0:
            problems.append("verify: " + out[-600:])
        f = self.fsck(root)
        if f.returncode != 0:
            problems.append("lxnt-fsck: " + f.stdout.decode(errors="replace")[-400:])
        return problems


    def changers(self):
        """chmod, chown and setxattr of one file from four processes at
        once: with the record's lock none undoes another's last change;
        then lxnt-fsck finds the attribute file whole, and a damaged one
        damaged."""
        root, problems = self.root("changers"), []
        env = self.env(root)
        env["LXNT_UID"] = env["LXNT_GID"] = "0"  # chown to any group
        procs = [subprocess.Popen(self.wine.command(self.exe, ["flip", what, "300"]),
                                  cwd=os.path.join(root, "work"), env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for what in ("mode", "group", "xattr-a", "xattr-b")]
        for p in procs:
            out, _ = p.communicate(timeout=900)
            if p.returncode != 0:
                problems.append("changer: %d %s" % (p.returncode, out.decode(errors="replace")[-300:]))
        r = subprocess.run(self.wine.command(self.exe, ["show", "flipped"]),
                           cwd=os.path.join(root, "work"), env=env, stdout=subprocess.PIPE)
        out = r.stdout.decode(errors="replace").strip()
        print("# changers: " + out)
        if "reg 0640 uid=0 gid=4242" not in out:
            problems.append("a change was lost: " + out)
        r = subprocess.run(self.wine.command(self.exe, ["xattrs", "flipped"]),
                           cwd=os.path.join(root, "work"), env=env, stdout=subprocess.PIPE)
        out = r.stdout.decode(errors="replace").strip()
        print("# changers: " + out)
        want = " ".join("user.%s%d=%d" % (c, i, i) for c in "ab" for i in range(4))
        if out != want:
            problems.append("an attribute change was lost: " + out)
        f = self.fsck(root)
        if f.returncode != 0:
            problems.append("lxnt-fsck: " + f.stdout.decode(errors="replace")[-400:])
        store = os.path.join(root, "\uf000lxnt")
        xfiles = [os.path.join(d, n) for d, _, fs in os.walk(store) for n in fs if n.endswith(".x")]
        if len(xfiles) != 1:
            return problems + ["attribute files: %r" % xfiles]
        with open(xfiles[0], "rb") as fp:
            good = fp.read()
        with open(xfiles[0], "wb") as fp:
            fp.write(good[:-1] + bytes([good[-1] ^ 0xff]))
        f = self.fsck(root)
        if f.returncode != 1 or b"attribute file not whole" not in f.stdout:
            problems.append("a damaged attribute file went unreported: %d %s" % (
                f.returncode, f.stdout.decode(errors="replace")[-300:]))
        return problems


def main():
    s = Stress(sys.argv[1])
    print("1..4", flush=True)
    s.wine.start()
    try:
        s.pack()
        problems, root = s.crash()
        tap.report(1, "crash: killed writers leave consistent metadata", problems)
        tap.report(2, "checker: a damaged record is reported", s.checker(root))
        tap.report(3, "concurrency: %d processes x %d files in one directory"
                   % (WRITERS, FILES_EACH), s.concurrency())
        tap.report(4, "changers: chmod, chown and setxattr of one file from four processes",
                   s.changers())
    finally:
        s.wine.stop()
        shutil.rmtree(s.top, ignore_errors=True)


if __name__ == "__main__":
    main()
