"""TAP lines for the end-to-end test scripts (meson runs them with
protocol "tap"): one `ok`/`not ok` line per test, its problems as comment
lines under it."""


class Results:
    """Tests whose count is known only at the end: each outcome collected
    with ok(), then the plan and the lines printed by finish(), which
    returns the exit status."""

    def __init__(self):
        self.items = []

    def ok(self, good, name, detail=""):
        self.items.append((good, name, detail))

    def finish(self):
        print("1..%d" % len(self.items))
        for i, (good, name, detail) in enumerate(self.items, 1):
            print("%s %d - %s" % ("ok" if good else "not ok", i, name))
            if not good and detail:
                for line in detail.strip().splitlines():
                    print("#   " + line)
        return 0 if all(g for g, _, _ in self.items) else 1


def report(n, name, problems):
    """Test n passed when `problems` (a list of strings) is empty."""
    print("%s %d - %s" % ("ok" if not problems else "not ok", n, name), flush=True)
    for p in problems:
        print("#   " + p.replace("\n", "\n#   "), flush=True)
