"""TAP lines for the end-to-end test scripts (meson runs them with
protocol "tap"): one `ok`/`not ok` line per test, its problems as comment
lines under it."""


def report(n, name, problems):
    """Test n passed when `problems` (a list of strings) is empty."""
    print("%s %d - %s" % ("ok" if not problems else "not ok", n, name), flush=True)
    for p in problems:
        print("#   " + p.replace("\n", "\n#   "), flush=True)
