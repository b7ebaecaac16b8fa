#!/usr/bin/env python3
"""Command-line tests of the host tool (TAP, for meson test):

- `lxnt inspect` reports zero unhandled sites for /bin/busybox and
  /bin/bash-static;
- `lxnt rewrite` and `lxnt pack` refuse bad input and bad output paths with
  exactly one line on stderr that names the file and gives a reason, a
  non-zero exit status, and no output file.

  cli_test.py BUILD_DIR
"""
import os
import stat
import re
import shutil
import subprocess
import sys
import tempfile

CORPUS = ["/bin/busybox", "/bin/bash-static"]


def inspect_unhandled(lxnt, elf):
    """Returns (ok, detail).  The count is read from the line of the report
    that names unhandled sites; a report without one fails."""
    r = subprocess.run([lxnt, "inspect", elf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    if r.returncode != 0:
        return False, "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[:300])
    text = r.stdout.decode(errors="replace")
    m = re.search(r"unhandled\D{0,20}?(\d+)", text, re.IGNORECASE)
    if not m:
        return False, "no unhandled-site count in the report"
    return m.group(1) == "0", "unhandled: %s" % m.group(1)


def make_inputs(tmp):
    """The bad inputs, as {label: path}."""
    with open("/bin/busybox", "rb") as f:
        elf = f.read()
    inputs = {}
    inputs["truncated ELF"] = os.path.join(tmp, "truncated")
    with open(inputs["truncated ELF"], "wb") as f:
        f.write(elf[:1000])
    # A copy with e_ident[EI_CLASS] = ELFCLASS32: what a 32-bit file looks
    # like to the first check any reader makes (elf(5)).
    inputs["32-bit ELF"] = os.path.join(tmp, "elf32")
    with open(inputs["32-bit ELF"], "wb") as f:
        f.write(elf[:4] + b"\x01" + elf[5:])
    inputs["text file"] = os.path.join(tmp, "notes.txt")
    with open(inputs["text file"], "w") as f:
        f.write("this is not an ELF file\n")
    inputs["missing file"] = os.path.join(tmp, "does-not-exist")
    return inputs


def check_refusal(argv, named, out_path, out_dir):
    """The command must fail with one stderr line naming `named` and giving a
    reason, and leave nothing at out_path or in out_dir."""
    before = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else None
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = r.stderr.decode(errors="replace")
    problems = []
    if r.returncode == 0:
        problems.append("exit status 0")
    lines = err.splitlines()
    if len(lines) != 1 or not err.endswith("\n"):
        problems.append("%d stderr lines: %r" % (len(lines), err[:300]))
    elif named not in lines[0]:
        problems.append("stderr does not name %s: %r" % (named, lines[0]))
    elif len(re.sub(r"[\s:'\"`]", "", lines[0].replace(named, ""))) < 8:
        problems.append("stderr gives no reason: %r" % lines[0])
    if os.path.lexists(out_path):
        problems.append("output %s was left behind" % out_path)
    if before is not None and sorted(os.listdir(out_dir)) != before:
        problems.append("files left in %s: %s" % (out_dir, sorted(set(os.listdir(out_dir)) - set(before))))
    return problems


def main(argv):
    build = os.path.abspath(argv[0])
    lxnt = os.path.join(build, "tools", "lxnt")
    tests = []  # (name, ok, details)
    if not os.access(lxnt, os.X_OK):
        print("1..1\nnot ok 1 - %s is not built\n# 0 passed, 1 failed" % lxnt)
        return 1
    for elf in CORPUS:
        ok, detail = inspect_unhandled(lxnt, elf)
        tests.append(("inspect %s" % elf, ok, [detail]))

    tmp = tempfile.mkdtemp(prefix="lxnt-cli-")
    try:
        inputs = make_inputs(tmp)
        outdir = os.path.join(tmp, "out")
        os.mkdir(outdir)
        for cmd, ext in (("rewrite", ""), ("pack", ".exe")):
            for label, path in inputs.items():
                out = os.path.join(outdir, "result" + ext)
                problems = check_refusal([lxnt, cmd, path, "-o", out], path, out, outdir)
                tests.append(("%s: %s" % (cmd, label), not problems, problems))
            out = os.path.join(tmp, "no-such-dir", "result" + ext)
            problems = check_refusal([lxnt, cmd, "/bin/busybox", "-o", out], out, out, outdir)
            tests.append(("%s: unwritable output path" % cmd, not problems, problems))
            # /proc refuses new files even to root, unlike a read-only mode.
            out = "/proc/lxnt-result" + ext
            problems = check_refusal([lxnt, cmd, "/bin/busybox", "-o", out], out, out, outdir)
            tests.append(("%s: output in a read-only directory" % cmd, not problems, problems))
            # rename(2) over a device node or FIFO would replace it: refused,
            # and the FIFO is still one afterwards.
            fifo = os.path.join(tmp, "fifo" + ext)
            os.mkfifo(fifo)
            r = subprocess.run([lxnt, cmd, "/bin/busybox", "-o", fifo],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            problems = []
            if r.returncode == 0:
                problems.append("exit status 0")
            if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
                problems.append("%s is no longer a FIFO" % fifo)
            if fifo not in r.stderr.decode(errors="replace"):
                problems.append("stderr does not name %s" % fifo)
            os.unlink(fifo)
            tests.append(("%s: output is a FIFO" % cmd, not problems, problems))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("1..%d" % len(tests))
    for n, (name, ok, details) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        for d in details:
            print("#   %s" % d)
    failed = sum(not ok for _, ok, _ in tests)
    print("# %d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
