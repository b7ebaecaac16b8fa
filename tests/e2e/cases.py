"""The differential cases, one row each.  harness.py runs every row twice,
natively and packed under Wine, and compares the results.

Fields (only `name`, `prog` and `args` are required):
  prog     which program: "busybox", "bash", or a tests/guest program name
  args     argv after argv[0]
  applet   busybox only: run as a copy of busybox.exe named APPLET.exe
           (argv[0] = APPLET) instead of `busybox APPLET ...`
  fixture  starting directory: tests/e2e/fixtures/NAME, copied for each side
  gen      generated inputs (harness.GENERATORS) as {file name: generator}
  stdin    a file of the starting directory, or ("text", "...") for inline
           input; default: an empty file
  env      extra environment variables for both sides
  timeout  seconds per side (default 60)
  merged   stdout and stderr are one open file (`> out 2>&1`), compared
           as stdout
  passwd   the converted side runs with LXNT_ROOT set to a root holding this
           machine's /etc/passwd and /etc/group, so that owner names
           resolve as natively (ls -l)
  rootfs   the converted side runs inside a rootfs (LXNT_ROOT), whose
           metadata backend keeps Linux modes, owners, links and special
           files; its working directory is /work of that root, which also
           holds this machine's /etc/passwd and /etc/group (implies passwd);
           both sides run with LC_ALL=C.UTF-8, as Wine stores the U+F000
           names of the metadata store only in a UTF-8 locale
           machine's /etc/passwd and /etc/group and an empty /tmp, so that
           owner names resolve as natively (ls -l)
  elfroot  the converted side runs in a root made by `lxnt convert` from
           these ELF files ({path in the root: tests/guest program or host
           file}, with the libraries ldd names for them) and /etc/passwd;
           programs under bin/ are on both sides' PATH by the same names
           (natively the originals), so that execve of ELF files of the
           rootfs runs them (runtime/elfload.c)
  wslexe   the converted side runs lxnt.exe (runtime/start_cli.c) with these
           arguments instead of the packed prog, in the case's elfroot
           (from LXNT_ROOT); natively prog runs args, so that `bash -c
           'exec bash -c "$1"' bash X` is the oracle of `lxnt.exe --exec
           bash -c X`
  path     both sides get a directory of commands on PATH (harness.py,
           path_dirs): every busybox applet and bash, by the same names
  known_gap  a behaviour lxnt does not have yet, with the issue that brings
           it: the case still runs, its failure is reported as a TAP TODO and
           not counted, and its passing is reported as a failure so that the
           marker is removed

Paths in arguments are relative: the native side runs in /tmp/..., the
converted side sees the same directory as /mnt/z/tmp/... .  Nothing here
depends on directory read order, which Linux does not define: directories
that a command walks unsorted (find, grep -r, cp -r) hold one entry each,
or the output is independent of the order.
"""
import os

BIG_SORT = {"big.txt": "lines_5m"}
BLOB_32M = {"blob.bin": "blob_32m"}
UTF8 = {"LC_ALL": "C.UTF-8"}

# The ELF files of the `elfroot` cases (libraries come from ldd).
ELF_SPIE = {"bin/elfexec-spie": "elfexec-spie"}
ELF_DYN = {"bin/elfexec-dyn": "elfexec-dyn",
           "lib/x86_64-linux-gnu/libm.so.6": "/lib/x86_64-linux-gnu/libm.so.6"}
# Dynamic programs of this machine (Debian's bash and coreutils).
ELF_HOST_TOOLS = {"bin/" + os.path.basename(p): p for p in (
    "/bin/bash", "/bin/ls", "/bin/cat", "/usr/bin/sort", "/usr/bin/tr", "/usr/bin/wc",
    "/usr/bin/seq", "/usr/bin/head", "/usr/bin/env")}
# The locale the elfroot cases run in (LC_ALL=C.UTF-8), for programs
# that load it (bash warns without it).
ELF_HOST_TOOLS["usr/lib/locale/C.utf8"] = "/usr/lib/locale/C.utf8"
# lxnt.exe's cases: the same tools, and dash as the root's /bin/sh.
ELF_WSLEXE = dict(ELF_HOST_TOOLS, **{"bin/sh": "/bin/dash"})
WSLEXE_SCRIPT = ("echo $((6 * 7)); seq 1 500 | sort -r | head -n 2; cat lines.txt | wc -l; "
                 "(exit 7); echo $?; kill -TERM $$")

CASES = [
    # Output and arguments.
    dict(name="echo", prog="busybox", args=["echo", "hello", "world"]),
    dict(name="echo-escapes", prog="busybox", args=["echo", "-n", "-e", r"a\tb\nc\\"]),
    dict(name="printf", prog="busybox",
         args=["printf", r"%s-%05d-%x-%c-%.2f\n", "abc", "42", "255", "xyz", "3.14159"]),
    dict(name="seq", prog="busybox", args=["seq", "1", "3", "100"]),
    dict(name="expr-mul", prog="busybox", args=["expr", "6", "*", "7"]),
    dict(name="expr-zero-status", prog="busybox", args=["expr", "3", "-", "3"]),
    dict(name="expr-match", prog="busybox", args=["expr", "hello.txt", ":", r"\(.*\)\.txt"]),
    dict(name="basename", prog="busybox", args=["basename", "/a/b/c.txt", ".txt"]),
    dict(name="dirname", prog="busybox", args=["dirname", "/a/b/c.txt"]),
    dict(name="false", prog="busybox", args=["false"]),
    dict(name="env-i", prog="busybox", args=["env", "-i", "A=1", "B=two words", "C="]),
    dict(name="date-utc", prog="busybox",
         args=["date", "-d", "2021-03-04 05:06:07", "+%Y-%m-%d %H:%M:%S %j %a %b %s"],
         env={"TZ": "UTC"}),
    dict(name="date-epoch", prog="busybox",
         args=["date", "-u", "-d", "@1600000000", "+%F %T %Z"], env={"TZ": "UTC"}),

    # Reading files and standard input.
    dict(name="cat", prog="busybox", args=["cat", "lines.txt", "fields.csv"], fixture="text"),
    dict(name="cat-stdin", prog="busybox", args=["cat"], fixture="text", stdin="lines.txt"),
    dict(name="cat-missing", prog="busybox", args=["cat", "lines.txt", "nosuch.txt"],
         fixture="text"),
    dict(name="head", prog="busybox", args=["head", "-n", "3", "lines.txt"], fixture="text"),
    dict(name="tail", prog="busybox", args=["tail", "-n", "2", "lines.txt"], fixture="text"),
    dict(name="tail-bytes", prog="busybox", args=["tail", "-c", "20", "lines.txt"],
         fixture="text"),
    dict(name="wc", prog="busybox", args=["wc", "lines.txt", "fields.csv"], fixture="text"),
    dict(name="wc-stdin", prog="busybox", args=["wc", "-l"], fixture="text",
         stdin="lines.txt"),
    dict(name="sort-5m", prog="busybox", args=["sort", "big.txt"], gen=BIG_SORT,
         timeout=120),
    dict(name="sort-5m-to-file", prog="busybox", args=["sort", "-r", "-o", "sorted.txt",
         "big.txt"], gen=BIG_SORT, timeout=120),
    dict(name="sort-numeric", prog="busybox", args=["sort", "-t,", "-k3", "-n", "fields.csv"],
         fixture="text"),
    dict(name="uniq", prog="busybox", args=["uniq", "-c", "dup.txt"], fixture="text"),
    dict(name="cut", prog="busybox", args=["cut", "-d,", "-f1,3", "fields.csv"],
         fixture="text"),
    dict(name="tr", prog="busybox", args=["tr", "a-z", "A-Z"], fixture="text",
         stdin="lines.txt"),
    dict(name="tr-delete", prog="busybox", args=["tr", "-d", "aeiou\n"], fixture="text",
         stdin="lines.txt"),
    dict(name="sed", prog="busybox", args=["sed", "-e", "s/o/0/g", "-e", "2d", "lines.txt"],
         fixture="text"),
    dict(name="sed-in-place", prog="busybox", args=["sed", "-i", "s/apple/APPLE/", "words.txt"],
         fixture="text"),
    dict(name="grep", prog="busybox", args=["grep", "-n", "-i", "the", "lines.txt"],
         fixture="text"),
    dict(name="grep-r", prog="busybox", args=["grep", "-rn", "needle", "deep"], fixture="tree"),
    dict(name="grep-no-match", prog="busybox", args=["grep", "walrus", "lines.txt"],
         fixture="text"),
    dict(name="awk-sum", prog="busybox",
         args=["awk", "-F,", "{ s += $3 } END { print s, NR, s / NR }", "fields.csv"],
         fixture="text"),
    dict(name="awk-begin", prog="busybox",
         args=["awk", 'BEGIN { for (i = 1; i <= 5; i++) printf "%d %d %.3f %s\\n", i, i * i % 7, '
                      'i / 3, substr("abcdef", i, 2); x["a"] = 1; print length(x), toupper("ok") }']),
    dict(name="sha256sum-32m", prog="busybox", args=["sha256sum", "blob.bin"], gen=BLOB_32M,
         timeout=180),
    dict(name="md5sum-32m", prog="busybox", args=["md5sum", "blob.bin"], gen=BLOB_32M,
         timeout=180),

    # Directories and metadata.  ls sorts; find, grep -r and cp -r walk
    # "deep", whose directories hold one entry each.
    dict(name="ls-ln", prog="busybox", args=["ls", "-ln", "files"], fixture="tree"),
    dict(name="ls-l", prog="busybox", args=["ls", "-l", "files"], fixture="tree",
         passwd=True),
    dict(name="ls-1aR", prog="busybox", args=["ls", "-1aR", "."], fixture="tree"),
    dict(name="stat", prog="busybox",
         args=["stat", "-c", "%s %F %n", "files/empty", "files/one.txt", "files/ten-k.bin"],
         fixture="tree"),
    dict(name="stat-dir", prog="busybox", args=["stat", "-c", "%F %n", "deep", "files"],
         fixture="tree"),
    dict(name="find", prog="busybox", args=["find", "deep"], fixture="tree"),
    dict(name="find-name", prog="busybox", args=["find", ".", "-name", "target.txt"],
         fixture="tree"),
    dict(name="mkdir-p", prog="busybox", args=["mkdir", "-p", "new/a/b/c"]),
    dict(name="mkdir-exists", prog="busybox", args=["mkdir", "files"], fixture="tree"),
    dict(name="cp-r", prog="busybox", args=["cp", "-r", "deep", "copy"], fixture="tree"),
    dict(name="mv", prog="busybox", args=["mv", "files/one.txt", "renamed.txt"],
         fixture="tree"),
    dict(name="mv-dir", prog="busybox", args=["mv", "deep", "moved"], fixture="tree"),
    dict(name="rm-r", prog="busybox", args=["rm", "-r", "files"], fixture="tree"),
    dict(name="touch", prog="busybox", args=["touch", "new.txt", "files/one.txt"],
         fixture="tree"),
    dict(name="touch-c", prog="busybox", args=["touch", "-c", "absent.txt"]),

    # argv[0] selects the applet: busybox.exe copied to APPLET.exe.
    dict(name="applet-echo", prog="busybox", applet="echo", args=["via", "argv0"]),
    dict(name="applet-sort", prog="busybox", applet="sort", args=["-r", "lines.txt"],
         fixture="text"),
    dict(name="applet-wc", prog="busybox", applet="wc", args=["-w"], fixture="text",
         stdin="lines.txt"),
    dict(name="applet-cat-missing", prog="busybox", applet="cat", args=["nosuch"]),

    # bash-static, builtins only (no fork yet).
    dict(name="bash-vars", prog="bash", args=["-c",
         'a=hello; b=${a^^}; c=${a/l/L}; echo "$a $b $c ${#a} ${a:1:3} ${x:-def}"']),
    dict(name="bash-loops", prog="bash", args=["-c",
         'for i in 1 2 3; do echo "for $i"; done; i=0; '
         'while [ $i -lt 3 ]; do echo "while $i"; i=$((i+1)); done; '
         'until [ $i -eq 0 ]; do i=$((i-1)); echo "until $i"; done; '
         'for ((j = 0; j < 10; j += 4)); do echo "c-style $j"; done']),
    dict(name="bash-functions", prog="bash", args=["-c",
         'fib() { local n=$1; if ((n < 2)); then r=$n; return; fi; '
         'fib $((n - 1)); local a=$r; fib $((n - 2)); r=$((a + r)); }; fib 15; echo "fib $r"; '
         'fact() { if (($1 <= 1)); then r=1; else fact $(($1 - 1)); r=$((r * $1)); fi; }; '
         'fact 10; echo "fact $r"; '
         'greet() { printf "hi %s (%d args)\\n" "$1" $#; return 3; }; greet you a b; echo "rc $?"']),
    dict(name="bash-heredoc", prog="bash", args=["-c",
         'while read -r a b; do echo "[$b|$a]"; done <<EOF\n'
         'one 1\ntwo 2\nthree $((1+2))\nEOF\n'
         "read -r x <<< 'here string'; echo \"$x\""]),
    dict(name="bash-arrays", prog="bash", args=["-c",
         'a=(zero one two); a+=(three); echo "${#a[@]} ${a[2]} ${a[*]:1:2}"; '
         'declare -A m=([k1]=v1 [k2]=v2); m[k3]=v3; '
         'for k in k1 k2 k3; do echo "$k=${m[$k]}"; done; echo "${#m[@]}"; '
         'unset "a[1]"; echo "${!a[@]}"']),
    dict(name="bash-arith", prog="bash", args=["-c",
         'echo $(( 7 * 6 )) $(( 2 ** 40 )) $(( -7 / 2 )) $(( -7 % 2 )) $(( 0x1f | 8 )) '
         '$(( 1 << 62 )) $(( 5 > 3 ? 10 : 20 )); let x=3 y=x*x; ((x++)); echo $x $y; '
         'echo $(( 9223372036854775807 + 1 ))']),
    dict(name="bash-strings", prog="bash", args=["-c",
         's="The quick brown fox"; [[ $s =~ q(.*)k ]] && echo "m=${BASH_REMATCH[1]}"; '
         'case $s in *brown*) echo brown;; *) echo other;; esac; '
         'printf -v p "%08.3f|%-5s|" 3.14159 ab; echo "$p"; echo "${s// /_}" "${s##* }"']),
    dict(name="bash-files", prog="bash", args=["-c",
         'echo first > out.txt; echo second >> out.txt; mapfile -t l < out.txt; '
         'echo "${#l[@]} ${l[1]}"; read -r w < lines.txt; echo "$w"; '
         'echo err >&2; exec 3> fd3.txt; echo via-fd3 >&3; exec 3>&-'], fixture="text"),
    dict(name="bash-script", prog="bash", args=["script.sh", "alpha", "beta gamma"],
         fixture="text"),
    dict(name="bash-exit", prog="bash", args=["-c", "echo before; exit 42"]),
    dict(name="bash-syntax-error", prog="bash", args=["-c", "if then fi"]),

    # Programs built here (tests/guest).
    dict(name="guest-fileops", prog="fileops", args=[], rootfs=True),
    # fsync and friends, the I/O hints, preadv/pwritev and their v2 forms,
    # utimes and futimesat (vfs/sync.c, vfs/file.c, vfs/setattr.c): in the
    # rootfs and on a Windows drive.
    dict(name="guest-syncio", prog="syncio", args=[], rootfs=True),
    dict(name="guest-syncio-drive", prog="syncio", args=[]),
    # Nice values across processes, fork and execve, and the scheduling
    # queries (runtime/sys_prio.c, runtime/sys_sched.c).
    dict(name="guest-sched", prog="sched", args=[], timeout=60),
    dict(name="guest-exitcode", prog="exitcode", args=["3", "two words", ""]),
    dict(name="guest-abort", prog="exitcode", args=["abort"]),
    dict(name="guest-segv", prog="exitcode", args=["segv"]),
    dict(name="guest-guard-victim", prog="guard_victim", args=[]),

    # Linux metadata on a rootfs (vfs: the metadata backend, the path walk).
    dict(name="meta-modes", prog="metaops", args=["modes"], rootfs=True),
    dict(name="meta-owners", prog="metaops", args=["owners"], rootfs=True),
    dict(name="meta-times", prog="metaops", args=["times"], rootfs=True),
    dict(name="meta-links", prog="metaops", args=["links"], rootfs=True),
    dict(name="meta-specials", prog="metaops", args=["specials"], rootfs=True),
    dict(name="meta-sizes", prog="metaops", args=["sizes"], rootfs=True),
    dict(name="meta-resolve", prog="metaops", args=["resolve"], rootfs=True),
    dict(name="meta-containment", prog="metaops", args=["containment"], rootfs=True),
    # The walk's cache of directories and the record cache (vfs/resolve.c,
    # vfs/metacache.c): what the shell looked at, another process renames,
    # removes or chmods; the shell's own next look (a redirection, `test`)
    # must see it.
    dict(name="meta-cache-coherence", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'mkdir -p d/sub; echo one > d/sub/f; [ -d d/sub ] && echo dir1; '
         'sh -c "mv d e"; echo two 2>/dev/null > d/sub/f || echo moved; cat e/sub/f; '
         '[ -d d/sub ] || echo gone; mkdir g; : > g/x; [ -f g/x ] && echo file1; '
         'sh -c "rm -r g; : > g"; echo three 2>/dev/null > g/x || echo notdir; [ -f g ] && echo file2; '
         ': > m; chmod 644 m; [ -x m ] && echo x1 || echo nx1; sh -c "chmod 755 m"; '
         '[ -x m ] && echo x2 || echo nx2; mkdir -p h/i; chmod 755 h; [ -w h ] && echo w1; '
         'sh -c "chmod 555 h"; ls -ld h | cut -c1-10; mv e/sub/f e/sub/f2 && ls e/sub']),
    # Records changed right after their file's creation, by the maker and
    # by another process (the record's lock, docs/formats.md).
    dict(name="meta-new-record-lock", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         ': > f; sh -c "chmod 600 f; chown 1:2 f 2>/dev/null"; stat -c "%a %u %g" f; '
         'for i in 1 2 3 4 5; do : > g$i; done; sh -c "chmod 640 g1 g2 g3 g4 g5"; '
         'stat -c "%a %n" g1 g5; : > h; chmod 700 h; chmod 751 h; stat -c "%a %n" h; '
         'mkdir d; ln -s f l; sh -c "chmod 700 d; chown -h 3:4 l 2>/dev/null"; '
         'stat -c "%a %n" d; rm h; : > h; stat -c "%a %n" h']),
    # A directory's link count, 2 + its subdirectories (vfs/statcache.c),
    # through mkdir, rmdir, renames into, out of and over directories,
    # and a change by another process.
    dict(name="meta-dir-nlink", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'mkdir -p a/b/c a/d a/e; : > a/f; stat -c "%h %n" . a a/b a/b/c a/d; rmdir a/e; '
         'stat -c "%h %n" a; mv a/b/c a/c; stat -c "%h %n" a a/b; mkdir x; mv x a/d/x; '
         'stat -c "%h %n" . a/d; mkdir e; mv -T a/c e && stat -c "%h %n" . a e; '
         'sh -c "mkdir a/g"; stat -c "%h %n" a; ls -ld a | tr -s " " | cut -d" " -f1,2; '
         'rm -r a/d; stat -c "%h %n" a; ls -ld / | tr -s " " | cut -d" " -f2 | grep -qv "^1$" '
         '&& echo root counted; exec 3< a; stat -L -c "%h through an fd" /proc/self/fd/3']),
    # Pipes and readiness (tests/guest/pipes.c).
    dict(name="pipe-flags", prog="pipes", args=["flags"]),
    dict(name="pipe-nonblock", prog="pipes", args=["nonblock"]),
    dict(name="pipe-eof", prog="pipes", args=["eof"]),
    dict(name="pipe-epipe", prog="pipes", args=["epipe"]),
    dict(name="pipe-sigpipe", prog="pipes", args=["sigpipe"]),
    dict(name="pipe-poll", prog="pipes", args=["poll"]),
    dict(name="pipe-select", prog="pipes", args=["select"]),
    dict(name="pipe-fork", prog="pipes", args=["fork"]),
    # Threads and futexes (tests/guest/threads.c, one scenario each).
    dict(name="threads-mutex16", prog="threads", args=["mutex16"], timeout=180),
    dict(name="threads-join", prog="threads", args=["join"]),
    dict(name="threads-churn", prog="threads", args=["churn"], timeout=120),
    dict(name="threads-cond", prog="threads", args=["cond"]),
    # The FP control state at start, in a new thread and in a fork child.
    dict(name="threads-fp-control", prog="threads", args=["fp-control"]),
    dict(name="threads-tls-errno", prog="threads", args=["tls"]),
    dict(name="threads-thread-exit", prog="threads", args=["thread-exit"]),
    dict(name="threads-main-exit", prog="threads", args=["main-exit"]),
    dict(name="threads-raw-exit", prog="threads", args=["raw-exit"]),
    dict(name="threads-exit-group", prog="threads", args=["exit-group"]),
    dict(name="threads-futex-errors", prog="threads", args=["futex-errors"]),
    dict(name="threads-requeue", prog="threads", args=["requeue"]),
    dict(name="threads-robust", prog="threads", args=["robust"]),
    dict(name="threads-affinity", prog="threads", args=["affinity"]),
    dict(name="threads-clone-flags", prog="threads", args=["clone-flags"]),
    dict(name="threads-raw-clone", prog="threads", args=["raw-clone"]),
    # The same program linked against musl (musl-gcc, package musl-tools).
    dict(name="threads-musl-mutex16", prog="threads-musl", args=["mutex16"], timeout=180),
    dict(name="threads-musl-join", prog="threads-musl", args=["join"]),
    dict(name="threads-musl-churn", prog="threads-musl", args=["churn"], timeout=120),
    dict(name="threads-musl-cond", prog="threads-musl", args=["cond"]),
    dict(name="threads-musl-tls-errno", prog="threads-musl", args=["tls"]),
    dict(name="threads-musl-main-exit", prog="threads-musl", args=["main-exit"]),
    dict(name="threads-musl-exit-group", prog="threads-musl", args=["exit-group"]),
    dict(name="threads-musl-futex-errors", prog="threads-musl", args=["futex-errors"]),
    dict(name="threads-musl-robust", prog="threads-musl", args=["robust"]),
    dict(name="threads-musl-raw-clone", prog="threads-musl", args=["raw-clone"]),
    dict(name="threads-musl-clone-flags", prog="threads-musl", args=["clone-flags"]),
    # The vfs: names, directory semantics, /proc (docs/vfs.md).  Under Wine
    # the host locale decides which Windows names a Unix file name can hold:
    # non-ASCII names need a UTF-8 locale (docs/vfs.md, "Names").
    dict(name="names-mnt", prog="names", env=UTF8, args=[]),
    dict(name="names-tmp", prog="names", env=UTF8, args=["case", "/tmp"]),
    dict(name="names-rootfs", prog="names", env=UTF8, args=["case", "/tmp"], passwd=True),
    dict(name="dirsem", prog="dirsem", args=[]),
    dict(name="procself", prog="procself", args=["one", "two words"],
         env={"PROCSELF_MARK": "1"}),
    dict(name="proc-exe-type", prog="busybox", args=["stat", "-c", "%F", "/proc/self/exe"]),
    dict(name="proc-exe-target-type", prog="busybox",
         args=["stat", "-L", "-c", "%F", "/proc/self/exe"]),
    dict(name="proc-self-fd", prog="busybox", args=["ls", "/proc/self/fd"]),
    dict(name="proc-cpuinfo", prog="busybox", args=["grep", "-c", "processor", "/proc/cpuinfo"]),
    dict(name="proc-ostype", prog="busybox", args=["cat", "/proc/sys/kernel/ostype"]),
    # What vfs/link.c models (may_linkat); the oracle machine has Debian's 1.
    dict(name="proc-protected-hardlinks", prog="busybox",
         args=["cat", "/proc/sys/fs/protected_hardlinks"]),
    # Signals inside one process (tests/guest/signals.c).
    dict(name="sig-siginfo", prog="signals", args=["siginfo"]),
    dict(name="sig-restart", prog="signals", args=["restart"], timeout=15),
    dict(name="sig-eintr", prog="signals", args=["eintr"], timeout=15),
    dict(name="sig-pause", prog="signals", args=["pause"]),
    dict(name="sig-nodefer-resethand", prog="signals", args=["nodefer"]),
    dict(name="sig-altstack", prog="signals", args=["altstack"]),
    dict(name="sig-segv-longjmp", prog="signals", args=["segv"]),
    dict(name="sig-segv-blocked", prog="signals", args=["segv-blocked"]),
    dict(name="sig-stack-overflow-altstack", prog="signals", args=["overflow"]),
    dict(name="sig-stack-overflow-no-altstack", prog="signals", args=["overflow-noalt"]),
    dict(name="sig-fpe", prog="signals", args=["fpe"]),
    dict(name="sig-trap-ill-hlt", prog="signals", args=["trap"]),
    dict(name="sig-sigtimedwait", prog="signals", args=["wait"]),
    dict(name="sig-queue-order", prog="signals", args=["queue"]),
    dict(name="sig-busy-loop", prog="signals", args=["busy"]),
    dict(name="sig-preserve-state", prog="signals", args=["preserve"]),
    dict(name="sig-thread-busy-loop", prog="signals", args=["thread-busy"]),
    dict(name="sig-raise-term", prog="signals", args=["raise", "term"]),
    dict(name="sig-raise-kill", prog="signals", args=["raise", "kill"]),
    dict(name="sig-raise-quit", prog="signals", args=["raise", "quit"]),
    dict(name="sig-raise-rt", prog="signals", args=["raise", "rt"]),
    dict(name="sig-raise-ignored", prog="signals", args=["raise", "ignored"]),
    dict(name="sig-alarm-kills-pause", prog="signals", args=["raise", "alarm-pause"]),
    dict(name="sig-alarm-kills-busy-loop", prog="signals", args=["raise", "alarm-busy"]),
    dict(name="sig-bash-trap-self", prog="bash",
         args=["-c", "trap 'echo got USR1' USR1; kill -USR1 $$; echo after; "
               "trap - USR1; trap 'echo exiting' EXIT; kill -TERM $$; echo not reached"]),
    # Processes: fork, execve, wait, kill (issue 5).  `path` puts the same
    # command names on PATH for both sides: busybox applets and bash.
    dict(name="proc-pipeline-5", prog="bash", path=True, args=["-c",
         'seq 1 2000 | sort -r | sed -n 1,100p | tr 0-9 a-j | wc -c; echo "st=$?"']),
    dict(name="proc-cmdsubst", prog="bash", path=True, args=["-c",
         'x=$(echo a; echo b); echo "[$x]"; echo $(( $(seq 10 | wc -l) * 2 )); '
         'y=$(cat lines.txt | head -n 2 | tail -n 1); echo "$y"'], fixture="text"),
    dict(name="proc-subshell", prog="bash", path=True, args=["-c",
         '(cd /; pwd); (exit 3); echo $?; a=1; (a=2; echo $a); echo $a; '
         '( echo in; sh -c "exit 5" ); echo "sub=$?"']),
    dict(name="proc-background-wait", prog="bash", path=True, args=["-c",
         'sleep 0.2 & p=$!; echo started; wait $p; echo "st=$?"; '
         '(exit 4) & wait $!; echo "bg=$?"; for i in 1 2 3; do sh -c "exit $i" & done; '
         'wait; echo all']),
    dict(name="proc-trap-exit", prog="bash", path=True, args=["-c",
         'trap "echo bye" EXIT; echo hi; sh -c "echo child"']),
    dict(name="proc-kill-term-child", prog="bash", path=True, args=["-c",
         'sleep 5 & p=$!; kill -TERM $p; wait $p 2>/dev/null; echo "term=$?"; '
         'sleep 5 & kill -KILL $!; wait $! 2>/dev/null; echo "kill=$?"; '
         'sh -c "kill -TERM \$\$"; echo "self=$?"; kill -0 $$; echo "zero=$?"; '
         'kill -0 -$$ 2>/dev/null; echo "group=$?"']),
    dict(name="proc-kill-caught", prog="bash", path=True, args=["-c",
         'sh -c "kill -INT \$\$"; echo "int=$?"; '
         'trap "echo got TERM" TERM; sh -c "kill -TERM \$PPID"; echo after']),
    dict(name="proc-exit-status", prog="bash", path=True, args=["-c",
         'sh -c "exit 130"; echo $?; false | true; echo $?; set -o pipefail; '
         'false | true; echo $?; true | sh -c "exit 7" | true; echo $?']),
    dict(name="proc-set-e", prog="bash", path=True, args=["-c",
         'set -e; echo one; sh -c "exit 0"; echo two; sh -c "exit 9"; echo never']),
    dict(name="proc-here-string", prog="bash", path=True, args=["-c",
         'tr a-z A-Z <<< "here string"; wc -w <<EOF\none two\nthree\nEOF\n']),
    dict(name="proc-xargs-p2", prog="bash", path=True, args=["-c",
         'seq 1 20 | xargs -P2 -n3 echo | sort']),
    dict(name="proc-find-exec", prog="bash", path=True, args=["-c",
         'find . -name "*.txt" -exec wc -l {} \\; | sort'], fixture="text"),
    dict(name="proc-shared-offset", prog="bash", path=True, args=["-c",
         '{ echo one; sh -c "echo two"; echo three; cat lines.txt | head -n 1; } > out.txt; '
         'cat out.txt; (read -r a; cat) < lines.txt | head -n 2'], fixture="text"),
    dict(name="proc-make-200", prog="bash", path=True, timeout=240, args=["-c",
         'for i in $(seq 1 200); do echo "$i" > "f$i"; cat "f$i" > /dev/null || exit 1; '
         'done; ls | wc -l; rm -f f*']),
    dict(name="proc-busybox-sh", prog="busybox", path=True, args=["sh", "-c",
         'echo a | tr a b; x=$(echo sub); echo $x; sh -c "exit 6"; echo $?; '
         'ls / > /dev/null; (exit 3); echo $?; echo done']),
    dict(name="guest-procs", prog="procs", args=[]),
    dict(name="proc-busybox-sh-wait", prog="busybox", path=True, args=["sh", "-c",
         'sleep 0.1 & wait $!; echo bg=$?'], timeout=10),
    # A FIFO of the rootfs (metadata node) opened by two processes: the
    # writer in a background job, the reader in the shell (vfs/fifo.c).
    dict(name="fifo-two-processes", prog="busybox", path=True, rootfs=True, timeout=20,
         args=["sh", "-c", 'mkfifo f; (echo through the fifo > f) & cat f; wait; '
               'ls -l f | cut -c1; rm f']),
    # busybox sh runs most applets by execve("/proc/self/exe"): the vfs
    # follows that link to the packed program, with and without a rootfs.
    dict(name="exec-proc-self-exe", prog="busybox", args=["sh", "-c",
         'echo hi | cat; cat /dev/null && echo ok; echo in | cat /dev/stdin; '
         'readlink /proc/self/exe | grep -c busybox']),
    dict(name="exec-proc-self-exe-rootfs", prog="busybox", rootfs=True, args=["sh", "-c",
         'echo hi | cat; cat /dev/null && echo ok; echo in | cat /dev/stdin']),
    # Sleeps (runtime/sys_time.c, tests/guest/sleeps.c): signals end them
    # with EINTR and the remaining time, or restart them (restart_syscall).
    dict(name="sleep-eintr", prog="sleeps", args=["eintr"], timeout=20),
    dict(name="sleep-eintr-sa-restart", prog="sleeps", args=["eintr-sa-restart"], timeout=20),
    dict(name="sleep-abs-eintr", prog="sleeps", args=["abs-eintr"], timeout=20),
    dict(name="sleep-clocks", prog="sleeps", args=["abs"], timeout=20),
    dict(name="sleep-errors", prog="sleeps", args=["errors"]),
    dict(name="sleep-no-handler-restart", prog="sleeps", args=["nohandler"], timeout=20),
    # Memory and futexes shared between processes (runtime/mman_shm.c,
    # runtime/futex_shared.c, tests/guest/shm.c): MAP_SHARED anonymous
    # memory and /dev/zero across fork, process-shared pthread objects.
    dict(name="shm-anon-counter", prog="shm", args=["anon-counter"], timeout=30),
    dict(name="shm-private-after-fork", prog="shm", args=["private"], timeout=30),
    dict(name="shm-partial", prog="shm", args=["partial"], timeout=30),
    dict(name="shm-pshared-mutex", prog="shm", args=["mutex"], timeout=120),
    dict(name="shm-pshared-cond-barrier", prog="shm", args=["cond-barrier"], timeout=60),
    dict(name="shm-sem-pshared", prog="shm", args=["sem-pshared"], timeout=30),
    dict(name="shm-futex-kill-interrupt", prog="shm", args=["futex-kill"], timeout=30),
    dict(name="shm-file-shared", prog="shm", args=["file"], timeout=60),
    dict(name="shm-exec-after-write", prog="shm", args=["exec"], timeout=30),
    # sem_open's file names in /dev/shm have capitals, which the names of
    # a Linux tree escape into U+F000 characters: Wine keeps those only in
    # a UTF-8 locale (docs/vfs.md).
    dict(name="shm-sem-open", prog="shm", args=["sem-named"], timeout=30, env=UTF8),

    # Job-control stops across processes (runtime/jobctl.c, sigqueue.c,
    # children.c; tests/guest/jobctl.c) and credentials (runtime/cred.c,
    # sys_identity.c; tests/guest/creds.c).
    dict(name="jobctl-stop-wait4", prog="jobctl", args=["stop-wait"], timeout=30),
    dict(name="jobctl-stop-waitid", prog="jobctl", args=["stop-waitid"], timeout=30),
    dict(name="jobctl-self-tstp", prog="jobctl", args=["self-stop"], timeout=30),
    dict(name="jobctl-nocldstop", prog="jobctl", args=["nocldstop"], timeout=30),
    dict(name="jobctl-threads", prog="jobctl", args=["threads"], timeout=30),
    dict(name="jobctl-cont-handler", prog="jobctl", args=["cont-handler"], timeout=30),
    dict(name="jobctl-kill-stopped", prog="jobctl", args=["kill-stopped"], timeout=30),
    dict(name="jobctl-exec-parent", prog="jobctl", args=["exec-parent"], timeout=30),
    # busybox sh prints "Terminated" when it happens to reap the job
    # before `wait` runs (a race natively too), so stderr is dropped.
    dict(name="jobctl-sh-stop-cont", prog="busybox", path=True, timeout=30, args=["sh", "-c",
         'exec 2>/dev/null; sleep 5 & kill -STOP $!; kill -CONT $!; kill $!; wait $!; echo $?']),
    dict(name="jobctl-sh-stop-running", prog="busybox", path=True, timeout=30, args=["sh", "-c",
         'exec 2>/dev/null; sleep 5 & sleep 0.3; kill -STOP $!; sleep 0.3; kill -CONT $!; '
         'kill $!; wait $!; echo $?']),
    dict(name="jobctl-bash-stop-cont", prog="bash", path=True, timeout=30, args=["-c",
         'sleep 5 & kill -STOP $!; kill -CONT $!; kill $!; wait $!; echo $?']),
    dict(name="creds", prog="creds", args=[], timeout=30),
    dict(name="creds-files", prog="creds", args=["files"], rootfs=True, timeout=60),
    # The instance's process table and daemon (runtime/ptable.h,
    # runtime/daemon.c, tests/guest/instance_ids.c): an orphan's new
    # parent, pids of live children, tids of live threads.
    dict(name="instance-orphan-reparented", prog="instance_ids", args=["orphan"], timeout=30),
    dict(name="instance-fork-pids-distinct", prog="instance_ids", args=["fork"], timeout=60),
    dict(name="instance-tids-not-pids", prog="instance_ids", args=["threads"], timeout=60),
    # File locks across processes (vfs/locks.c, tests/guest/locks.c):
    # fcntl record locks, OFD locks and flock(2), one scenario each.
    dict(name="locks-getlk", prog="locks", args=["getlk"]),
    dict(name="locks-setlkw", prog="locks", args=["setlkw"], timeout=20),
    dict(name="locks-split-merge", prog="locks", args=["split"]),
    dict(name="locks-close-any-fd", prog="locks", args=["close"]),
    dict(name="locks-exit", prog="locks", args=["exit"]),
    dict(name="locks-edeadlk", prog="locks", args=["deadlock"], timeout=20),
    dict(name="locks-ofd", prog="locks", args=["ofd"]),
    dict(name="locks-flock", prog="locks", args=["flock"], timeout=20),
    dict(name="locks-sigkill-holder", prog="locks", args=["kill"]),
    dict(name="locks-sigkill-wakes-waiter", prog="locks", args=["kill-waiter"], timeout=20),
    dict(name="locks-errors", prog="locks", args=["errors"]),
    dict(name="locks-eintr", prog="locks", args=["eintr"], timeout=20),
    dict(name="locks-sa-restart", prog="locks", args=["restart"], timeout=20),
    dict(name="locks-execve-keeps", prog="locks", args=["exec"]),
    dict(name="locks-execve-cloexec-drops", prog="locks", args=["exec-cloexec"]),
    dict(name="locks-vfork-child-close", prog="locks", args=["vfork-close"]),
    dict(name="locks-contend-4x100", prog="locks", args=["contend"], timeout=120),
    # Every process of the instance (tests/guest/pids.c): /proc/<pid> of
    # children read by their parent, kill of a group and of -1, tgkill of
    # another process, setpgid's error codes; busybox sh kills a
    # background job's own group (setsid) by its pgid.
    dict(name="pids-proc", prog="pids", args=["proc"], timeout=30),
    dict(name="pids-groups", prog="pids", args=["groups"], timeout=30),
    dict(name="pids-setpgid", prog="pids", args=["setpgid"], timeout=30),
    dict(name="pids-kill-group-sh", prog="busybox", path=True, timeout=30, args=["sh", "-c",
         'setsid sleep 20 & p=$!; until kill -0 -$p 2>/dev/null; do sleep 0.1; done; '
         'kill -TERM -$p; echo kill=$?; wait $p 2>/dev/null; echo status=$?; '
         'kill -TERM -$p 2>/dev/null; echo again=$?']),
    dict(name="pids-stat-sh", prog="busybox", path=True, timeout=30, args=["sh", "-c",
         'sleep 20 & p=$!; s=; while [ "$s" != S ]; do read a b s rest < /proc/$p/stat; done; '
         'echo "$b $s"; read c < /proc/$p/comm; echo "comm=$c"; '
         '[ "${rest%% *}" = $$ ] && echo ppid is the shell; kill $p; wait $p 2>/dev/null; echo $?']),
    # /proc/self/maps parsed by the program itself (tests/guest/maps.c).
    dict(name="pids-maps", prog="maps", args=[]),
    # A SIGTERM sent right after fork reaches the child whether it lands
    # before, during or after the child's execve (runtime/exec.c: a signal
    # that the old image took during execve was lost, and the program ran
    # to its end).
    dict(name="proc-kill-during-exec", prog="busybox", path=True, timeout=60, args=["sh", "-c",
         '(for i in 1 2 3 4 5 6; do sleep 5 & p=$!; kill -TERM $p; wait $p; '
         'echo "$?"; done) 2>/dev/null']),
    # Exec spares (runtime/exec_spare.c): the same packed programs (sh,
    # tr) executed again and again, most of them by a spare that an
    # earlier execve made, with their status, pid, pipes, environment and
    # arguments checked each time; then children killed with SIGKILL 0 to
    # 90 ms after their fork (before, during or after their execve and
    # its claim), and the programs still run afterwards.
    dict(name="exec-spare-loop", prog="bash", path=True, timeout=180, args=["-c",
         'for i in $(seq 1 40); do sh -c "exit $((i % 5))"; s=$?; '
         '[ $s = $((i % 5)) ] || echo "status $i $s"; '
         '[ "$(echo $i | tr 0-9 a-j)" = "$(printf "%s\\n" $i | tr 0-9 a-j)" ] || echo "pipe $i"; '
         'sh -c \'echo $$ > pid.txt\' & p=$!; wait $p; [ "$(cat pid.txt)" = $p ] || echo "pid $i"; '
         'v=$(FOO=x$i sh -c \'echo $FOO $0 $1\' a$i b$i); [ "$v" = "x$i a$i b$i" ] || '
         'echo "args $i $v"; done; rm pid.txt; echo done']),
    dict(name="exec-spare-kill-claimer", prog="bash", path=True, timeout=180, args=["-c",
         '(for i in $(seq 1 30); do sh -c "exit 3" & p=$!; sleep 0.0$((i % 10)); '
         'kill -KILL $p; wait $p; s=$?; case $s in 3|137) ;; *) echo "bad $i $s";; '
         'esac; done) 2>/dev/null; for i in 1 2 3 4 5; do sh -c "exit $i"; echo $?; done; '
         'echo x | tr x y']),
    # execve of ELF files of a converted rootfs (runtime/elfload.c): the
    # packed busybox sh runs them, static-pie and dynamic with the root's
    # own rewritten ld.so and libc (tests/guest/elfexec.c).
    dict(name="elfexec-spie-hello", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", 'elfexec-spie hello a "b c"; echo "status $?"']),
    dict(name="elfexec-spie-fork", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie fork"]),
    dict(name="elfexec-spie-exec", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie exec 3"]),
    dict(name="elfexec-spie-maps", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie maps"]),
    dict(name="elfexec-spie-thread", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie thread"]),
    dict(name="elfexec-dyn-hello", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", 'elfexec-dyn hello a "b c"; echo "status $?"']),
    dict(name="elfexec-dyn-fork", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn fork"]),
    dict(name="elfexec-dyn-exec", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn exec 3"]),
    dict(name="elfexec-dyn-maps", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn maps"]),
    dict(name="elfexec-dyn-thread", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn thread"]),
    dict(name="elfexec-spie-spawn", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie spawn"]),
    dict(name="elfexec-dyn-spawn", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn spawn"]),
    dict(name="elfexec-dyn-dlopen", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn dlopen"]),
    # execve in the calling Windows process (runtime/exec_here.c): what the
    # new program keeps and what it loses, a chain of 100 execve of one
    # process, and the path of a new process when another thread runs.
    dict(name="elfexec-spie-keeps", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie keeps"]),
    dict(name="elfexec-dyn-keeps", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn keeps"]),
    dict(name="elfexec-dyn-exec-chain", prog="busybox", elfroot=ELF_DYN, timeout=120,
         args=["sh", "-c", "elfexec-dyn exec 100 | tail -n 2"]),
    dict(name="elfexec-spie-exec-threaded", prog="busybox", elfroot=ELF_SPIE, timeout=60,
         args=["sh", "-c", "elfexec-spie exec-threaded"]),
    dict(name="elfexec-dyn-exec-threaded", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn exec-threaded"]),
    dict(name="elfexec-dyn-globals", prog="busybox", elfroot=ELF_DYN, timeout=60,
         args=["sh", "-c", "elfexec-dyn globals 3"]),
    # A packed program that execs its own image runs again in place: its
    # data and bss as the file has them, a static-pie relocated again
    # (elfexec-spie packed); the same through a fork, and for each of
    # the other modes that exec /proc/self/exe.
    dict(name="exec-own-image-globals", prog="elfexec-spie", args=["globals", "3"]),
    dict(name="exec-own-image-fork", prog="busybox", args=["sh", "-c",
         "for i in 1 2 3; do /proc/self/exe echo $i; done; /proc/self/exe sh -c 'exit 7'; echo $?"]),
    dict(name="exec-own-image-keeps", prog="elfexec-spie", args=["keeps"]),
    dict(name="exec-own-image-threaded", prog="elfexec-spie", args=["exec-threaded"]),
    dict(name="elfexec-dyn-bash-pipeline", prog="busybox", elfroot=ELF_HOST_TOOLS,
         fixture="text", timeout=120, args=["sh", "-c",
         "bash -c 'seq 1 2000 | sort -r | tr 0-9 a-j | wc -c; echo \"${PIPESTATUS[@]}\"; ls; "
         "x=$(cat lines.txt | sort | head -n 3); echo \"$x\"; (exit 7); echo $?; "
         "env -i A=1 env; echo $((6 * 7))'"]),

    # creat(2) and the extended-attribute calls (vfs/xattr.c).
    dict(name="vfs-creat", prog="xattrs", args=[], rootfs=True),
    # The remaining process gaps (tests/guest/procx.c): /proc/<pid>/task of
    # another process and tgkill/tkill to each of its threads; the CPU
    # time of waited-for children in wait4, getrusage and times.
    dict(name="procx-task", prog="procx", args=["task"], timeout=60),
    dict(name="procx-rusage", prog="procx", args=["rusage"], timeout=90),
    # fd, fdinfo and maps of another process, answered by that process.
    dict(name="procx-fds", prog="procx", args=["fds"], timeout=60),
    # Orphaned process groups: SIGHUP and SIGCONT when one is orphaned with
    # a stopped member, the terminal's stops discarded in it.
    dict(name="procx-orphan", prog="procx", args=["orphan"], timeout=60),
    # execve into another program keeps the interval timer (alarm).
    dict(name="procx-exec-alarm", prog="procx", path=True, args=["exec-alarm"], timeout=60),
    # /proc/<pid>/status's Sig* lines, of the caller and of a child.
    dict(name="procx-sigmasks", prog="procx", args=["sigmasks"], timeout=60),
    # The same when the group's last link is killed by SIGKILL, which ends
    # its Windows process without letting it run its exit.
    dict(name="procx-orphan-kill", prog="procx", args=["orphan-kill"], timeout=60),
    # sigqueue and rt_tgsigqueueinfo to another process: the sender's
    # siginfo arrives, real-time signals queue, standard ones merge.
    dict(name="procx-sigqueue", prog="procx", args=["queue"], timeout=60),
    # Two readers at once asking three processes for their fds and maps:
    # each target answers one question at a time (runtime/proc_query.c).
    dict(name="procx-fds-concurrent", prog="busybox", path=True, timeout=120, args=["sh", "-c",
         'sleep 30 & a=$!; sleep 30 & b=$!; sleep 30 & c=$!; '
         'look() { i=0; while [ $i -lt 4 ]; do for p in $a $b $c; do '
         'n=$(ls /proc/$p/fd | wc -l); m=$(grep -c . /proc/$p/maps); '
         '[ "$n" -ge 3 ] && [ "$m" -ge 3 ] || echo "bad $p: $n $m"; done; i=$((i+1)); done; '
         'echo "$1 done"; }; look one > out1 & look two; wait $!; cat out1; '
         'kill $a $b $c; wait 2>/dev/null']),
    # A FIFO opened O_RDWR, without blocking, by a shell that writes and
    # reads it back (fifo(7)).
    dict(name="procx-fifo-rdwr", prog="busybox", path=True, rootfs=True, timeout=20,
         args=["sh", "-c", 'mkfifo f; exec 3<>f; echo both ends >&3; read x <&3; echo "$x"; '
               'exec 3<&-; rm f']),
    # busybox sh may report the killed job on stderr when it reaps it
    # before `wait` runs (a race natively too), so that is dropped.
    dict(name="procx-fds-sh", prog="busybox", path=True, timeout=30, args=["sh", "-c",
         'exec 3>procx-out; sleep 5 </dev/null 4<&3 & p=$!; sleep 0.3; ls /proc/$p/fd; '
         'readlink /proc/$p/fd/0; basename "$(readlink /proc/$p/fd/4)"; '
         'grep -c . /proc/$p/maps >/dev/null && echo maps read; kill $p; wait $p 2>/dev/null; echo $?']),
    # Standard output redirected to a file with stderr on the same open
    # file (`> out 2>&1`), written by the shell and by the children it
    # forks and execs in turn, on both fds (vfs/init.c: the offset is the
    # file object's): each write follows the last, whoever made it.
    dict(name="procx-stdout-file-merged", prog="busybox", path=True, merged=True,
         args=["sh", "-c", 'echo one; busybox echo two; echo three >&2; busybox echo four >&2; '
               'echo five; (echo six; busybox echo seven >&2); busybox sh -c "echo eight"; '
               'echo nine']),
    dict(name="procx-stdout-file", prog="busybox", path=True,
         args=["sh", "-c", 'echo one; busybox echo two; echo three >&2; busybox echo four >&2; '
               'echo five; busybox sh -c "echo six; echo seven >&2"; echo eight']),
    # The stat cache (vfs/statcache.c, tests/guest/statcache.c): a name
    # this process stated, which another process then replaces, removes,
    # links, moves with its directory, chmods or writes; "windows" makes
    # the change with cmd.exe under Wine, outside lxnt.
    dict(name="statcache-replace", prog="statcache", args=["replace"], rootfs=True),
    dict(name="statcache-unlink", prog="statcache", args=["unlink"], rootfs=True),
    dict(name="statcache-link", prog="statcache", args=["link"], rootfs=True),
    dict(name="statcache-unlink-other", prog="statcache", args=["unlink-other"], rootfs=True),
    dict(name="statcache-rename-dir", prog="statcache", args=["rename-dir"], rootfs=True),
    dict(name="statcache-chmod", prog="statcache", args=["chmod"], rootfs=True),
    dict(name="statcache-write", prog="statcache", args=["write"], rootfs=True),
    dict(name="statcache-created", prog="statcache", args=["created"], rootfs=True),
    dict(name="statcache-windows", prog="statcache", args=["windows"], rootfs=True),
    # Names operations without needless lookups (vfs/remove.c, vfs/rename.c,
    # vfs/metadata.c; docs/vfs.md "Names operations"): unlink of a file
    # nobody holds (a plain delete) and of one another process holds open
    # (the hidden name: the reader keeps its data, the name goes at once
    # and can be made again); rename over an unopened and an open file;
    # O_CREAT|O_EXCL (the shell's noclobber) on new and existing names,
    # where only the rename into place says whether the name exists.
    dict(name="unlink-unopened", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'echo a > a; ln a b; chmod 444 a; rm -f a; stat -c "%h %a" b; ls; rm b; '
         'ln -s nowhere l; rm l; ls; echo new > a; cat a; rm a; ls; echo done']),
    dict(name="unlink-open-other-process", prog="busybox", path=True, rootfs=True, timeout=30,
         args=["sh", "-c",
               'mkfifo p q; echo data > f; '
               '( exec 3<f; echo opened > q; read x < p; cat <&3; echo reader done ) & '
               'read y < q; rm f; [ -e f ] || echo gone; ls; echo again > f; cat f; '
               'echo go > p; wait; rm f p q; ls']),
    dict(name="rename-over-open-unopened", prog="busybox", path=True, rootfs=True, timeout=30,
         args=["sh", "-c",
               'echo old > t; echo new > s; mv s t; cat t; ls; '
               'mkfifo p q; echo old2 > u; echo new2 > v; '
               '( exec 3<u; echo opened > q; read x < p; cat <&3 ) & '
               'read y < q; mv v u; cat u; ls; echo go > p; wait; '
               'echo old3 > w; echo new3 > x; exec 4<w; mv x w; cat w; cat <&4; exec 4<&-; '
               'rm p q; ls']),
    dict(name="create-excl-existing", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'set -C; echo x > n && echo created; echo y > n 2>/dev/null || echo refused; cat n; '
         'ln -s n l; echo z > l 2>/dev/null || echo refused-link; ln -s nowhere dl; '
         'echo z > dl 2>/dev/null || echo refused-dangling; mkdir d; '
         'echo z > d 2>/dev/null || echo refused-dir; ls; '
         'set +C; mv n m; mv m d; ls . d; mv d/m n; mv n l 2>&1; ls -l l | cut -c1']),

    # lxnt.exe, the wsl.exe-like entry point (runtime/start_cli.c): --exec
    # and a command line for /bin/sh -c (Wine joins the words; sh parses
    # the line) against the same programs natively, which bash-static's
    # exec finds on PATH (busybox would run its own applets instead).
    dict(name="wslexe-exec-bash", prog="bash", elfroot=ELF_WSLEXE, fixture="text",
         timeout=120, args=["-c", 'exec bash -c "$1"', "bash", WSLEXE_SCRIPT],
         wslexe=["--exec", "bash", "-c", WSLEXE_SCRIPT]),
    dict(name="wslexe-sh-line", prog="bash", elfroot=ELF_WSLEXE, timeout=120,
         args=["-c", 'exec sh -c "$1"', "bash",
               "seq 1 3 | tr 0-9 a-j; echo $((6*7)) done; exit 5"],
         wslexe="seq 1 3 | tr 0-9 a-j; echo $((6*7)) done; exit 5".split()),
    dict(name="wslexe-sh-missing", prog="bash", elfroot=ELF_WSLEXE, timeout=120,
         args=["-c", 'exec sh -c "$1"', "bash", "no-such-command x"],
         wslexe=["no-such-command", "x"]),
    dict(name="wslexe-exec-stdin", prog="bash", elfroot=ELF_WSLEXE, timeout=120,
         stdin=("text", "pear\napple\nfig\n"), args=["-c", "exec sort"],
         wslexe=["--exec", "sort"]),

    # FIFOs: one pipe buffer shared by every open of the node (vfs/fifo.c,
    # tests/guest/fifos.c).  Two writers in turn: the first reader sees end
    # of file when the first has gone, and a second reader meets the
    # second writer; a reader held open across both reads them both.
    dict(name="fifo-writers-in-turn", prog="busybox", path=True, rootfs=True, timeout=30,
         args=["sh", "-c", 'mkfifo f; (echo a > f; until [ -e read1 ]; do sleep 0.1; done; '
               'echo b > f) & cat f; touch read1; cat f; wait; rm read1; '
               '(echo c > f; echo d > f) & p=$!; exec 3<f; wait $p; cat <&3; exec 3<&-; rm f']),
    dict(name="fifo-rdwr", prog="fifos", args=["rdwr"], rootfs=True, timeout=30),
    dict(name="fifo-nonblock-reader", prog="fifos", args=["nonblock"], rootfs=True, timeout=30),
    dict(name="fifo-enxio", prog="fifos", args=["enxio"], rootfs=True, timeout=30),
    dict(name="fifo-poll", prog="fifos", args=["poll"], rootfs=True, timeout=30),
    dict(name="fifo-sigpipe", prog="fifos", args=["sigpipe"], rootfs=True, timeout=30),
    dict(name="fifo-writers-at-once", prog="fifos", args=["writers"], rootfs=True, timeout=60),
    dict(name="fifo-kill-writer", prog="fifos", args=["kill"], rootfs=True, timeout=30),
    dict(name="fifo-fork-writer", prog="fifos", args=["fork"], rootfs=True, timeout=30),
    dict(name="fifo-eintr", prog="fifos", args=["eintr"], rootfs=True, timeout=30),
    dict(name="fifo-kill-reader", prog="fifos", args=["killreader"], rootfs=True, timeout=30),
    # The write path of the metadata store (vwrite): unlink and rmdir walk
    # to the parent only and let the removal's open say what the name is;
    # chmod and chown reach the file the walk saw, utimensat opens the
    # name itself and walks again for a link; record changes in place.
    dict(name="vwrite-remove-paths", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'mkdir d; echo a > d/f; ln -s d ld; ln -s d/f lf; '
         'rm d/missing 2>&1; unlink d/missing 2>&1; rm -f d/missing && echo quiet; '
         'rm d/ 2>&1; unlink d 2>&1; rmdir ld 2>&1; rmdir lf 2>&1; '
         'rm ld/f; ls d; [ -e lf ] || echo lf-dangling; rm lf; echo b > d/g; rmdir d 2>&1; '
         'unlink d/g; rmdir d; ls; rm ld; ls; echo done']),
    dict(name="vwrite-remove-slash", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'mkdir d; echo a > d/f; ln -s d ld; ln -s d/f lf; mkdir em; ln -s em lem; '
         'rmdir ld/ 2>&1; rmdir lem/ 2>&1; unlink lf/ 2>&1; unlink ld/ 2>&1; '
         'unlink d/f/ 2>&1; unlink nothere/ 2>&1; rmdir nothere/ 2>&1; rmdir d/f/ 2>&1; '
         'unlink em/ 2>&1; rmdir em/; ls; rm lem; ls d']),
    dict(name="vwrite-change-paths", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'echo a > f; ln -s f l; chmod 600 l; stat -c "%a %F" f l; '
         'touch -d @1000000000 ref; touch -r ref l; [ $(stat -c %Y f) = 1000000000 ] && echo followed; '
         'ln -s nowhere dl; chmod 644 dl 2>&1; touch -c dl; ls; '
         'for i in 1 2 3 4 5; do chmod 60$i f; done; stat -c %a f; '
         'chown $(id -u):$(id -g) f; stat -c %a f; chmod 4755 f; chown $(id -u) f; stat -c %a f; '
         'rm f; echo b > f; stat -c %a f; '
         'mkdir dd; chmod 700 dd/; stat -c %a dd; chmod 700 f/ 2>&1; touch f/ 2>&1; '
         'chown $(id -u) f/ 2>&1; touch -d @1200000000 dd/; stat -c %Y dd; echo done']),
    dict(name="vwrite-times-exact", prog="metaops", args=["times-exact"], rootfs=True),
    # A created file's handle kept past its close (docs/vfs.md, "The kept
    # handle"): changes by name right after the close, of it and of others.
    dict(name="meta-times-kept", prog="metaops", args=["times-kept"], rootfs=True),
    # Calls that read no data keep atime (GetFileType reads a file under Wine).
    dict(name="meta-times-untouched", prog="metaops", args=["times-untouched"], rootfs=True),
    dict(name="vwrite-untar", prog="busybox", path=True, rootfs=True, args=["sh", "-c",
         'mkdir -p s/a/b; for i in 1 2 3 4 5 6; do echo $i > s/a/f$i; echo $i > s/a/b/g$i; done; '
         'chmod 640 s/a/f1; chmod 4755 s/a/f2; chmod 700 s/a/b; ln -s f1 s/a/l; '
         'touch -d @1100000000 s/a/f3 s/a/b; tar cf t.tar s; rm -r s; tar xf t.tar; '
         'tar xf t.tar; ls -lR s | grep -v total | cut -c1-10; stat -c "%n %a %Y" s/a/f3; '
         'cat s/a/l; rm -r s t.tar; ls']),
    # The stat and record caches that the processes of an instance share
    # (vfs/sharedcache.c, tests/guest/statcache.c "shared-"): process A
    # stats a file, changes it, a new process B stats it, A changes it
    # again while B runs, and B stats it once more.
    dict(name="statcache-shared-chmod", prog="statcache", args=["shared-chmod"], rootfs=True),
    dict(name="statcache-shared-chown", prog="statcache", args=["shared-chown"], rootfs=True),
    dict(name="statcache-shared-utimens", prog="statcache", args=["shared-utimens"], rootfs=True),
    dict(name="statcache-shared-rename", prog="statcache", args=["shared-rename"], rootfs=True),
    dict(name="statcache-shared-recreate", prog="statcache", args=["shared-recreate"],
         rootfs=True),
    dict(name="statcache-shared-link", prog="statcache", args=["shared-link"], rootfs=True),
    # Process exit against signal delivery (runtime/sigkick.c): a main
    # thread that exits while another thread signals it without a pause
    # (under Wine the exit could stay suspended for good, as a full run
    # once saw with busybox sh and its SIGCHLD), and one SIGCHLD per
    # child whether wait4 or the children's watcher sees the end first.
    dict(name="sig-exit-while-signalled", prog="signals", args=["exit-signalled"], timeout=60),
    dict(name="sig-sigchld-once", prog="signals", args=["sigchld-once"], timeout=30),
    # Process creation (spawn): the key each new process gets from its
    # creator (runtime/random.c) gives a forked child its own bytes and
    # every execve a new AT_RANDOM; /dev/urandom and getrandom with it.
    dict(name="guest-randoms", prog="randoms", args=[]),
    # FIFO buffer lifetime and wake-ups (vfs/fifo.c, tests/guest/fifos.c):
    # the bytes stay while any opener has the FIFO open and go with the
    # last one.  In the shells: a writer that keeps the FIFO open keeps the
    # bytes a reader left for the next reader ("o", then "n"); once every
    # opener has gone (wait), the next pair starts empty, whether the
    # openers were builtins, programs or subshells.
    dict(name="fifo-buffer-lifetime", prog="fifos", args=["lifetime"], rootfs=True, timeout=30),
    dict(name="fifo-writer-keeps-bytes", prog="busybox", path=True, rootfs=True, timeout=30,
         args=["sh", "-c", 'mkfifo ff; (echo one > ff; exec 3>ff; echo two >&3; sleep 4) & '
               '(dd bs=1 count=1 2>/dev/null; sleep 0.5) < ff; echo; '
               'dd if=ff bs=1 count=1 2>/dev/null; echo; wait']),
    dict(name="fifo-all-closed-empty", prog="busybox", path=True, rootfs=True, timeout=60,
         args=["sh", "-c", 'mkfifo ff; echo one > a; echo two > b; for i in 1 2 3; do '
               '(echo one > ff) & head -c1 ff; wait; (echo two > ff) & head -c1 ff; wait; '
               'cat a > ff & head -c1 ff; wait; cat b > ff & head -c1 ff; wait; '
               '(exec 3>ff; echo three >&3; sleep 0.2) & head -c1 ff; wait; '
               'cat b > ff & head -c1 ff; wait; echo; done']),
    # poll, ppoll and select wait on a FIFO's wake-up rather than looking
    # again every few ms: round trips between two processes that each wait
    # before they read (their speed is measured, not compared: docs/vfs.md);
    # several pollers of one FIFO all wake, a writer waiting for room too.
    dict(name="fifo-poll-wakeup", prog="fifos", args=["pollwake"], rootfs=True, timeout=60),
    dict(name="fifo-poll-many", prog="fifos", args=["pollers"], rootfs=True, timeout=60),
    # Two threads of one process polling one description for different events.
    dict(name="fifo-poll-threads", prog="fifos", args=["threadpoll"], rootfs=True, timeout=60),
    # A blocked read (write) learns of the death of the process holding the
    # other end, ten times each.
    dict(name="fifo-kill-wakes", prog="fifos", args=["killwake"], rootfs=True, timeout=60),
    # Miscellaneous system calls (tests/guest/sysmisc.c): personality(2)
    # (runtime/sys_personality.c), capget(2) and capset(2)
    # (runtime/capability.c), the scheduling policies
    # (runtime/sys_sched_policy.c), memfd_create(2).
    dict(name="sysmisc-personality", prog="sysmisc", args=["personality"]),
    dict(name="sysmisc-caps", prog="sysmisc", args=["caps"], timeout=60),
    dict(name="sysmisc-setid-exec", prog="sysmisc", args=["setid"], rootfs=True, timeout=60),
    dict(name="sysmisc-filecaps", prog="sysmisc", args=["filecaps"], rootfs=True, timeout=90),
    dict(name="sysmisc-prctl", prog="sysmisc", args=["prctl"], rootfs=True, timeout=90),
    dict(name="sysmisc-sched", prog="sysmisc", args=["sched"], timeout=60),
    # memfd_create(2) (vfs/memfd.c), and its file seals (vfs/memfd_seals.c):
    # each seal and error, across fork and execve, a killed child's mapping.
    dict(name="sysmisc-memfd", prog="sysmisc", args=["memfd"], timeout=60),
    dict(name="sysmisc-memfd-seals", prog="sysmisc", args=["memfd-seals"], timeout=60),

    # The vfs's privilege checks by capability (vfs/meta.c lx_permission,
    # setattr.c, metadata.c lx_may_delete, mknod.c, xattr.c;
    # tests/guest/creds.c capfiles): root with one capability dropped at a
    # time, all of them, or a fsuid other than 0, against another user's
    # files in the rootfs.
    dict(name="creds-capfiles", prog="creds", args=["capfiles"], rootfs=True, timeout=60),
    # unlink's and rmdir's errors in a directory the caller may not write.
    dict(name="creds-remove-order", prog="creds", args=["remove-order"], rootfs=True, timeout=60),
]
