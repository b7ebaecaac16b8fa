"""What a converted root needs from this machine for a dynamic program."""
import re
import subprocess


def shared_objects(path):
    """The shared objects that `ldd` names for path, at the paths ld.so
    looks them up by (empty for a static program)."""
    r = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = []
    for line in r.stdout.decode().splitlines():
        m = re.match(r"\s*(?:\S+ => )?(/\S+) \(0x", line)
        if m:
            out.append(m.group(1))
    return out
