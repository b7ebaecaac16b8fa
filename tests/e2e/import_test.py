#!/usr/bin/env python3
"""`lxnt convert`'s output as a rootfs under lxnt (docs/formats.md, "The
import manifest"), as TAP:

  import_test.py BUILD_DIR

A source tree made here (modes 0755, 0640, 04755, 02755, 01777, a 0700
directory, symlinks absolute, relative and dangling, a hard-link pair, a
FIFO, a socket, names `Makefile` and `makefile`, `a:b`, `CON`, `trailing.`,
a name that is not UTF-8, nanosecond mtimes; as root also other owners and
device nodes) is converted.  Its listing by busybox (`ls -lnR --full-time`
and `stat -c`, with nanosecond mtimes) run natively in SRC must equal the
same busybox packed and run under lxnt with LXNT_ROOT=DEST, under the guard:

1. after `lxnt-fsck --import` (line ends of one symlink's file and of the
   manifest changed by the copy), also the extended attributes of a file,
   a directory and a hard-link pair (tests/guest/metaops.c `xattrs`, run
   natively and converted);
2. with no import before: two processes started at once import it (one
   waits on the other's lock);
3. a larger tree whose hard links the copy broke, its import killed by
   TerminateProcess at moments chosen to fall inside it: after every kill
   lxnt-fsck finds no damage, and the import run again ends with the
   links whole and the same listing;
4. a manifest cut short (a copy that stopped) is refused and left where
   it is, and no record is written; so is one with a `..` path, and ones
   with attribute lines out of place (version 1, system.*, before any
   entry);
5. the tree (without its socket, with long names) as pax, GNU and ustar
   tarballs, xz, gzip, plain and zstd: the same listings (pax keeps
   nanosecond mtimes, so the GNU and ustar trees have whole seconds), and
   from the pax tarball (`--xattrs`) the same user.* attributes;
6. tarball members with `..`, an absolute name, members under symlink
   members and hard links pointing out are reported and nothing is written
   outside DEST; parents not listed are made; files that are not
   tarballs, cut short or damaged are refused with DEST left as it was.

Masked, and only these: the `total` lines (blocks, file-system specific)
and a directory's size (it depends on the file system).  A directory's
link count is compared: 2 + its subdirectories on both sides.
"""
import io
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
import winectl  # noqa: E402

BUSYBOX = "/bin/busybox"
LS = ["ls", "-lnR", "--full-time", "t"]
STAT = ["stat", "-c", "%n %a %u %g %F %s %h %t %T %y"]
MANIFEST = "\uf000lxnt-manifest"
# The entries that set_xattrs gives attributes.
XATTR_PATHS = ["t/bin/tool", "t/shared", "t/h1", "t/h2"]


def set_xattrs(t, trusted):
    """Extended attributes of the namespaces the vfs keeps: on a file, a
    directory and a hard-link pair, a value with a NUL, a space and a '%',
    an empty one; trusted.* only where asked (tar may leave it out)."""
    os.setxattr(os.path.join(t, "bin", "tool"), "user.lxnt", b"1")
    os.setxattr(os.path.join(t, "bin", "tool"), "user.odd", b"a b%\x00c")
    os.setxattr(os.path.join(t, "shared"), "user.dir", b"")
    os.setxattr(os.path.join(t, "h1"), "user.pair", b"both names")
    if trusted:
        os.setxattr(os.path.join(t, "bin", "tool"), "trusted.t", b"tt")


def make_tree(top, big=False, for_tar=False, long_names=False, whole_seconds=False,
              xattrs=False):
    """The source tree under top/t; returns the paths stat -c looks at.
    for_tar: no socket (tar leaves sockets out); long_names: a 150-byte
    name and a 290-byte path; whole_seconds: mtimes a GNU or ustar
    header can hold."""
    t = os.path.join(top, "t")
    os.makedirs(os.path.join(t, "bin"))
    os.makedirs(os.path.join(t, "private"))
    os.makedirs(os.path.join(t, "tmp"))
    os.makedirs(os.path.join(t, "shared"))

    def write(rel, text, mode):
        with open(os.path.join(t, rel), "w") as f:
            f.write(text)
        os.chmod(os.path.join(t, rel), mode)

    write("bin/tool", "#!/bin/sh\n", 0o755)
    write("bin/su", "setuid\n", 0o4755)
    write("private/key", "secret\n", 0o640)
    write("Makefile", "upper\n", 0o644)
    write("makefile", "lower\n", 0o644)
    write("a:b", "colon\n", 0o644)
    write("CON", "device name\n", 0o644)
    write("trailing.", "dot\n", 0o644)
    with open(os.path.join(t.encode(), b"raw-\xff\xfe"), "w") as f:
        f.write("not UTF-8\n")
    write("h1", "linked\n", 0o644)
    os.link(os.path.join(t, "h1"), os.path.join(t, "h2"))
    os.symlink("/bin/tool", os.path.join(t, "abs-link"))
    os.symlink("../t/Makefile", os.path.join(t, "rel-link"))
    os.symlink("no/such/file", os.path.join(t, "dangling"))
    os.symlink("with space\tand tab%", os.path.join(t, "odd target"))
    os.mkfifo(os.path.join(t, "fifo"), 0o600)
    if not for_tar:
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(t, "sock"))
        s.close()
    if xattrs:
        set_xattrs(t, trusted=not for_tar and os.geteuid() == 0)
    os.chmod(os.path.join(t, "private"), 0o700)
    os.chmod(os.path.join(t, "tmp"), 0o1777)
    os.chmod(os.path.join(t, "shared"), 0o2755)
    selected = ["t/bin/su", "t/private/key", "t/h1", "t/h2", "t/abs-link", "t/dangling",
                "t/fifo", "t/sock", "t/CON", "t/a:b", "t/trailing.", "t/tmp", "t/private",
                "t/odd target"]
    if for_tar:
        selected.remove("t/sock")
    if long_names:
        deep = os.path.join("long", "p" * 90, "q" * 90, "r" * 90)
        os.makedirs(os.path.join(t, deep))
        write(os.path.join("long", "n" * 150), "long name\n", 0o644)
        write(os.path.join(deep, "file"), "long path\n", 0o600)
        selected += ["t/long/" + "n" * 150, "t/" + deep + "/file"]
    if os.geteuid() == 0:
        # Owners that a non-root convert must keep: the source's.
        os.chown(os.path.join(t, "private/key"), 1234, 5678)
        os.lchown(os.path.join(t, "abs-link"), 42, 43)
        os.chown(os.path.join(t, "private"), 1234, 5678)
        os.mknod(os.path.join(t, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(os.path.join(t, "loop0"), 0o660 | stat.S_IFBLK, os.makedev(7, 0))
        selected += ["t/null", "t/loop0"]
    if big:
        # Enough entries that an import takes a while, and hard-link pairs
        # for the copy to break.
        for d in range(20):
            dp = os.path.join(t, "many", "d%02d" % d)
            os.makedirs(dp)
            for k in range(60):
                write(os.path.join("many", "d%02d" % d, "F%03d" % k), "%d/%d\n" % (d, k),
                      0o600 + (k % 3) * 0o44)
            for k in range(0, 60, 6):
                os.link(os.path.join(dp, "F%03d" % k), os.path.join(dp, "L%03d" % k))
    # Distinct nanosecond mtimes, deepest first so that later changes do
    # not move them.
    paths = []
    for dirpath, dirs, files in os.walk(t):
        for name in dirs + files:
            paths.append(os.path.join(dirpath, name))
    for n, p in enumerate(sorted(paths, key=lambda p: -p.count("/"))):
        ns = 1500000000 * 10**9 + n * 1000003 * 1000 + 123456789
        if whole_seconds:
            ns -= ns % 10**9
        os.utime(p, ns=(ns, ns), follow_symlinks=False)
    os.utime(t, ns=(1400000000 * 10**9 + 5,) * 2)
    return selected


def mask(text):
    """Drops what the file systems may differ in (module docstring)."""
    out = []
    for line in text.splitlines():
        if line.startswith("total "):
            continue
        if line.startswith("d"):
            # ls pads the link count to its width: fields, not columns.
            f = line.split(None, 5)
            line = " ".join([f[0], f[1], f[2], f[3], "N", f[5]])
        m = re.match(r"^(\S+ \d+ \d+ \d+ directory )\d+ (.*)$", line)
        if m:
            line = m.group(1) + "N " + m.group(2)
        out.append(line)
    return "\n".join(out)


class Import:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.wine = winectl.Wine(os.path.join(self.build, "wineprefix"),
                                 os.path.join(self.build, "tools", "lxnt-guard"))
        self.top = tempfile.mkdtemp(prefix="lxnt-import-")
        self.lxnt = os.path.join(self.build, "tools", "lxnt")
        self.fsck_exe = os.path.join(self.build, "tools", "lxnt-fsck.exe")
        self.killer = os.path.join(self.build, "vfs", "tests", "killer.exe")
        self.busybox = os.path.join(self.top, "busybox.exe")
        self.metaops_elf = os.path.join(self.build, "tests", "guest", "metaops")
        self.metaops = os.path.join(self.top, "metaops.exe")

    def pack(self):
        subprocess.run([self.lxnt, "pack", BUSYBOX, "-o", self.busybox], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([self.lxnt, "pack", self.metaops_elf, "-o", self.metaops], check=True,
                       stdout=subprocess.DEVNULL)

    def xattr_problems(self, src, dest):
        """The extended attributes of XATTR_PATHS (tests/guest/metaops.c
        `xattrs`): natively in src against under lxnt in dest."""
        problems = []
        for path in XATTR_PATHS:
            want = subprocess.run([self.metaops_elf, "xattrs", path], cwd=src,
                                  stdout=subprocess.PIPE).stdout.decode(errors="replace")
            r = self.wine_run(dest, [self.metaops, "xattrs", path])
            got = r.stdout.decode(errors="replace")
            if got != want or "=" not in want:
                problems.append("xattrs of %s: native %r, lxnt %r" % (path, want, got))
        return problems

    def convert(self, src, dest):
        r = subprocess.run([self.lxnt, "convert", src, dest, "-q", "--no-cache"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.last_out = r.stdout.decode(errors="replace")
        return [] if r.returncode == 0 else ["convert: %d %s" % (
            r.returncode, r.stdout.decode(errors="replace")[-400:])]

    def env(self, root):
        # Wine keeps U+F000 names only in a UTF-8 locale.
        return self.wine.env({"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                              "LXNT_ROOT": "Z:" + root.replace("/", "\\"),
                              "LXNT_UID": str(os.getuid()), "LXNT_GID": str(os.getgid())})

    def wine_run(self, root, argv, timeout=600):
        return subprocess.run(self.wine.command(argv[0], argv[1:]), cwd=root,
                              env=self.env(root), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)

    def fsck(self, root, *opts):
        return self.wine_run(root, [self.fsck_exe] + list(opts) + ["Z:" + root.replace("/", "\\")])

    @staticmethod
    def native(src, argv):
        r = subprocess.run([BUSYBOX] + argv, cwd=src, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin", "TZ": "UTC",
                                                        "LC_ALL": "C.UTF-8"})
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def listing_problems(self, src, dest, selected, procs=None):
        """Native listing of src against the one under lxnt in dest."""
        problems = []
        for argv in (LS, STAT + selected):
            want = self.native(src, argv)
            if procs is None:
                r = self.wine_run(dest, [self.busybox] + argv)
                got = [(r.returncode, r.stdout.decode(errors="replace"),
                        r.stderr.decode(errors="replace"))]
            else:
                got = procs(argv)
            for rc, out, err in got:
                if (rc, mask(out)) != (want[0], mask(want[1])) or err:
                    problems.append("%s: native %d, lxnt %d %s" % (argv[0], want[0], rc, err[-300:]))
                    problems += ["- " + line for line in mask(want[1]).splitlines()
                                 if line not in mask(out).splitlines()][:20]
                    problems += ["+ " + line for line in mask(out).splitlines()
                                 if line not in mask(want[1]).splitlines()][:20]
        if os.path.exists(os.path.join(dest, MANIFEST)):
            problems.append("the manifest is still there")
        return problems

    def imported(self):
        src, dest = os.path.join(self.top, "src1"), os.path.join(self.top, "dest1")
        selected = make_tree(src, xattrs=True)
        problems = self.convert(src, dest)
        if not os.path.isfile(os.path.join(dest, MANIFEST)):
            problems.append("convert wrote no manifest")
        # A copy tool that changed line ends: in a symlink's file (the
        # import writes the manifest's target back) and in the manifest.
        with open(os.path.join(dest, "t", "abs-link"), "ab") as f:
            f.write(b"\r\n")
        with open(os.path.join(dest, MANIFEST), "rb") as f:
            text = f.read()
        with open(os.path.join(dest, MANIFEST), "wb") as f:
            f.write(text.replace(b"\n", b"\r\n"))
        r = self.fsck(dest, "--import")
        out = r.stdout.decode(errors="replace")
        print("# " + " / ".join(out.strip().splitlines()[:2]))
        if r.returncode != 0 or " 0 problems" not in out or " 0 damaged" not in out:
            problems.append("lxnt-fsck --import: %d %s" % (r.returncode, out[-500:]))
        return (problems + self.listing_problems(src, dest, selected) +
                self.xattr_problems(src, dest))

    def automatic(self):
        src, dest = os.path.join(self.top, "src2"), os.path.join(self.top, "dest2")
        selected = make_tree(src)
        problems = self.convert(src, dest)

        def two_at_once(argv):
            procs = [subprocess.Popen(self.wine.command(self.busybox, argv), cwd=dest,
                                      env=self.env(dest), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE) for _ in range(2)]
            got = []
            for p in procs:
                out, err = p.communicate(timeout=600)
                got.append((p.returncode, out.decode(errors="replace"),
                            err.decode(errors="replace")))
            return got
        problems += self.listing_problems(src, dest, selected, procs=two_at_once)
        f = self.fsck(dest)
        if f.returncode != 0:
            problems.append("lxnt-fsck: " + f.stdout.decode(errors="replace")[-400:])
        return problems

    @staticmethod
    def pairs_whole(dest):
        """How many F/L pairs of t/many are one file."""
        n = 0
        for dirpath, _, files in os.walk(os.path.join(dest, "t", "many")):
            for name in files:
                if name.startswith("\uf04c"):  # "L", case-escaped in DEST
                    a = os.stat(os.path.join(dirpath, name))
                    b = os.stat(os.path.join(dirpath, "\uf046" + name[1:]))
                    n += a.st_ino == b.st_ino
        return n

    @staticmethod
    def break_links(dest):
        """What a copy that does not keep hard links does: each later name
        of a pair becomes a file of its own; in d03 the later names are
        missing instead, as a kill between the import's delete and link
        (where the volume cannot link over a name) leaves them."""
        n = 0
        for dirpath, _, files in os.walk(os.path.join(dest, "t", "many")):
            for name in files:
                if name.startswith("\uf04c"):  # "L", case-escaped in DEST
                    p = os.path.join(dirpath, name)
                    if os.path.basename(dirpath) == "d03":
                        os.unlink(p)
                    else:
                        shutil.copy2(p, p + ".copy")
                        os.rename(p + ".copy", p)
                    n += 1
        return n

    def killed(self):
        src, dest = os.path.join(self.top, "src3"), os.path.join(self.top, "dest3")
        selected = make_tree(src, big=True) + ["t/many/d00/F000", "t/many/d00/L000",
                                               "t/many/d19/F054", "t/many/d19/L054",
                                               "t/many/d03/L012"]
        problems = self.convert(src, dest)
        broken = self.break_links(dest)
        store = os.path.join(dest, "\uf000lxnt")
        ms, midway, rounds = 300, 0, 0
        while rounds < 12 and midway < 3:
            rounds += 1
            k = self.wine_run(dest, [self.killer, str(ms), "Z:" + self.fsck_exe.replace("/", "\\"),
                                     "--import", "Z:" + dest.replace("/", "\\")])
            out = k.stdout.decode(errors="replace")
            records = sum(len(fs) for _, _, fs in os.walk(store)) if os.path.isdir(store) else 0
            pending = os.path.exists(os.path.join(dest, MANIFEST))
            whole = self.pairs_whole(dest)
            print("# round %d: %d ms: %s; %d of %d pairs linked again, %d store files, "
                  "manifest %s" % (rounds, ms, out.strip().splitlines()[-1] if out.strip() else "?",
                                   whole, broken, records, "there" if pending else "gone"))
            if "exited by itself" in out:
                if not pending:
                    break  # finished before the kill: too late to test a kill
                ms = max(100, ms * 2 // 3)
            elif "killed after" in out:
                if pending and (records > 0 or whole > 0):
                    midway += 1
                    ms += 150  # the next kill a little later in the import
                elif pending:
                    ms += 200
            else:
                problems.append("killer: " + out[-300:])
                break
            f = self.fsck(dest)
            if f.returncode != 0:
                problems.append("after round %d lxnt-fsck: %s" % (
                    rounds, f.stdout.decode(errors="replace")[-400:]))
        if midway == 0:
            problems.append("no kill fell inside the import in %d rounds" % rounds)
        r = self.fsck(dest, "--import")
        out = r.stdout.decode(errors="replace")
        print("# %d links broken by the copy, %d kills inside the import; then %s" % (
            broken, midway, " / ".join(out.strip().splitlines()[:2])))
        if r.returncode != 0 or " 0 damaged" not in out:
            problems.append("lxnt-fsck --import after the kills: %d %s" % (r.returncode, out[-500:]))
        problems += self.listing_problems(src, dest, selected)
        # The pairs are one file again: one inode for both names.
        for d, k in (("d07", "030"), ("d03", "012")):
            r = self.wine_run(dest, [self.busybox, "stat", "-c", "%i",
                                     "t/many/%s/F%s" % (d, k), "t/many/%s/L%s" % (d, k)])
            inodes = r.stdout.decode(errors="replace").split()
            if len(inodes) != 2 or inodes[0] != inodes[1]:
                problems.append("t/many/%s/F%s and L%s are not one file: %r" % (d, k, k, inodes))
        return problems

    def damaged(self):
        src, dest = os.path.join(self.top, "src4"), os.path.join(self.top, "dest4")
        make_tree(src)
        problems = self.convert(src, dest)
        path = os.path.join(dest, MANIFEST)
        with open(path, "rb") as f:
            text = f.read()
        with open(path, "wb") as f:
            f.write(text[:len(text) // 2])
        r = self.fsck(dest, "--import")
        out = r.stdout.decode(errors="replace")
        print("# " + " / ".join(out.strip().splitlines()[:2]))
        store = os.path.join(dest, "\uf000lxnt")
        records = sum(len(fs) for _, _, fs in os.walk(store)) if os.path.isdir(store) else 0
        if r.returncode != 1 or "not whole" not in out:
            problems.append("lxnt-fsck --import: %d %s" % (r.returncode, out[-400:]))
        if not os.path.exists(path) or records:
            problems.append("manifest %s, %d store files" % (
                "kept" if os.path.exists(path) else "gone", records))
        # A manifest whose hard-link member points outside the rootfs (as
        # an attacker would write it) is refused whole.
        evil = text.replace(b" t/h2\n", b" t/../../escaped\n")
        if evil == text:
            problems.append("no t/h2 line in the manifest")
        with open(path, "wb") as f:
            f.write(evil)
        r = self.fsck(dest, "--import")
        out = r.stdout.decode(errors="replace")
        if r.returncode != 1 or "not whole" not in out:
            problems.append("a path with .. was not refused: %d %s" % (r.returncode, out[-300:]))
        if os.path.lexists(os.path.join(self.top, "escaped")):
            problems.append("the import created a file outside the rootfs")
        # Attribute lines the import refuses: in a version 1 manifest, of a
        # namespace the vfs does not keep, before any entry.
        head, first, rest = text.split(b"\n", 2)
        v2 = b"lxnt-manifest 2\n"
        for what, bad in (
                ("an x line in version 1", head + b"\n" + first + b"\nx user.a =1\n" + rest),
                ("a system.* attribute", v2 + first + b"\nx system.posix_acl_access =1\n" + rest),
                ("an x line before any entry", v2 + b"x user.a =1\n" + first + b"\n" + rest)):
            with open(path, "wb") as f:
                f.write(bad)
            r = self.fsck(dest, "--import")
            out = r.stdout.decode(errors="replace")
            if r.returncode != 1 or "not whole" not in out:
                problems.append("%s was not refused: %d %s" % (what, r.returncode, out[-300:]))
        return problems

    def tarballs(self):
        """The source trees as tarballs of each header format and
        compression, converted: the same listing under lxnt as natively."""
        problems = []
        cases = [  # (tree, tar options, file name)
            ("pax", ["--format=pax", "--xattrs", "-J"], "rootfs.tar.xz"),
            ("gnu", ["--format=gnu", "-z"], "rootfs.tar.gz"),
            ("gnu", ["--format=gnu"], "rootfs.tar"),
            ("ustar", ["--format=ustar", "--zstd"], "rootfs.tar.zst"),
        ]
        trees = {}
        for tree, opts, name in cases:
            src = os.path.join(self.top, "tar-" + tree)
            if tree not in trees:
                # GNU and ustar headers hold whole seconds; ustar no name
                # longer than 100 bytes.
                trees[tree] = make_tree(src, for_tar=True, long_names=tree != "ustar",
                                        whole_seconds=tree != "pax", xattrs=tree == "pax")
            tarball = os.path.join(self.top, name)
            subprocess.run(["tar", "-C", src, "-cf", tarball] + opts + ["."], check=True)
            dest = os.path.join(self.top, "dest-" + name)
            got = self.convert(tarball, dest)
            if "not kept" in self.last_out:
                got.append("convert says something was not kept: %r" % self.last_out[-300:])
            r = self.fsck(dest, "--import")
            if r.returncode != 0:
                got.append("lxnt-fsck --import: %d %s" % (
                    r.returncode, r.stdout.decode(errors="replace")[-300:]))
            got += self.listing_problems(src, dest, trees[tree])
            if "--xattrs" in opts:
                got += self.xattr_problems(src, dest)
            print("# %s (%s): %s" % (name, " ".join(opts), "same listing" if not got else
                                     "%d problems" % len(got)))
            problems += ["%s: %s" % (name, p) for p in got]
        return problems

    def tarball_refusals(self):
        """Members that would land outside DEST are left out and reported;
        a file that is not a tarball, or is cut short or damaged, is refused
        with its name and reason, and DEST is left as it was."""
        problems = []
        top = os.path.join(self.top, "evil")
        outside = os.path.join(top, "outside")
        os.makedirs(outside)
        tarball = os.path.join(top, "evil.tar")
        with tarfile.open(tarball, "w", format=tarfile.GNU_FORMAT) as tf:
            def add(name, kind=tarfile.REGTYPE, link="", data=b"x\n", mode=0o644, uid=0):
                info = tarfile.TarInfo(name)
                info.type, info.linkname, info.mode, info.uid = kind, link, mode, uid
                if kind == tarfile.REGTYPE:
                    info.size = len(data)
                tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
            add("/abs-file")
            add("../escaped")
            add("a/../../escaped2")
            add("link", tarfile.SYMTYPE, "../outside")
            add("link/x")
            add("abslink", tarfile.SYMTYPE, outside)
            add("abslink/y")
            add("hl", tarfile.LNKTYPE, "../outside/z")
            add("hl2", tarfile.LNKTYPE, "missing")
            add("dup", data=b"first\n")
            add("dup", data=b"second\n")
            add("implied/dir/file", uid=7)
            add("late/file")
            add("late", tarfile.DIRTYPE, mode=0o1750, uid=42)
        dest = os.path.join(top, "dest")
        r = subprocess.run([self.lxnt, "convert", tarball, dest, "-q", "--no-cache"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = r.stderr.decode(errors="replace").splitlines()
        refused = ["../escaped", "a/../../escaped2", "link/x", "abslink/y", "hl", "hl2"]
        if r.returncode != 1 or len(err) != len(refused) or not all(
                any((": %s: " % n) in line for line in err) for n in refused):
            problems.append("members not each reported: %d %r" % (r.returncode, err))
        if sorted(os.listdir(top)) != ["dest", "evil.tar", "outside"] or os.listdir(outside):
            problems.append("written outside DEST: %r %r" % (os.listdir(top), os.listdir(outside)))
        with open(os.path.join(dest, "dup"), "rb") as f:
            if f.read() != b"second\n":
                problems.append("of two members with one name the later does not win")
        if not os.path.isfile(os.path.join(dest, "abs-file")):
            problems.append("/abs-file did not become abs-file")
        # Parents the archive does not list are made 0755 and root's; a
        # directory listed after its contents gets its own metadata.
        with open(os.path.join(dest, MANIFEST)) as f:
            lines = {line.split(" ")[-1]: line.split(" ")[:4] for line in f.read().splitlines()}
        for path, want in (("implied", "d 0755 0 0"), ("implied/dir", "d 0755 0 0"),
                           ("implied/dir/file", "f 0644 7 0"), ("late", "d 1750 42 0")):
            if " ".join(lines.get(path, [])) != want:
                problems.append("%s: %r in the manifest, expected %r" % (path, lines.get(path), want))
        # Not a tarball, cut short, a damaged compressed stream.
        good = os.path.join(self.top, "rootfs.tar.gz")
        with open(os.path.join(self.top, "rootfs.tar"), "rb") as f:
            plain = f.read()
        with open(good, "rb") as f:
            gz = f.read()
        bad = {"junk": b"this is not a tarball\n" * 40, "cut.tar": plain[:len(plain) // 2 - 300],
               "cut.tar.gz": gz[:len(gz) // 2],
               "damaged.tar.gz": gz[:20] + bytes(b ^ 0x5a for b in gz[20:60]) + gz[60:]}
        for name, data in sorted(bad.items()):
            path = os.path.join(top, name)
            with open(path, "wb") as f:
                f.write(data)
            for dest, existed in ((os.path.join(top, "d-" + name), False),
                                  (os.path.join(top, "e-" + name), True)):
                if existed:
                    os.mkdir(dest)
                r = subprocess.run([self.lxnt, "convert", path, dest, "-q", "--no-cache"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                err = r.stderr.decode(errors="replace")
                if r.returncode == 0 or not err.startswith("lxnt convert: %s: " % path):
                    problems.append("%s: %d %r" % (name, r.returncode, err))
                if (os.path.isdir(dest) and not os.listdir(dest)) != existed or (
                        not existed and os.path.lexists(dest)):
                    problems.append("%s: DEST not left as it was" % name)
                if existed:
                    print("# %s" % err.strip())
        left = [n for n in os.listdir(top) if ".tar-" in n]
        if left:
            problems.append("staging directories left: %r" % left)
        return problems


def main():
    t = Import(sys.argv[1])
    print("1..6", flush=True)
    t.wine.start()
    try:
        t.pack()
        tap.report(1, "lxnt-fsck --import: ls and stat under lxnt equal the source's", t.imported())
        tap.report(2, "import by the first two processes at once", t.automatic())
        tap.report(3, "import killed midway and run again ends consistent", t.killed())
        tap.report(4, "a manifest cut short is refused and kept", t.damaged())
        tap.report(5, "tarballs (pax, GNU, ustar; xz, gzip, zstd): ls and stat under lxnt "
                   "equal the source's", t.tarballs())
        tap.report(6, "tarball members outside DEST and damaged tarballs are refused",
                   t.tarball_refusals())
    finally:
        t.wine.stop()
        shutil.rmtree(t.top, ignore_errors=True)


if __name__ == "__main__":
    main()
