#!/bin/sh
# Build the libFuzzer harness of the ELF reader and the rewriter with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, and make its seed corpus
# (docs/testing.md, "Fuzzing").
#
#   tests/fuzz/build.sh [OUTDIR]        (default: build-fuzz)
#
# OUTDIR gets fuzz-elf (the fuzzer) and seeds/ (tiny static programs built
# with gcc -nostdlib, their rewritten forms and truncated variants, plus the
# committed tests/fuzz/corpus and tests/fuzz/regressions).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-build-fuzz}
mkdir -p "$out/seeds"
out=$(cd "$out" && pwd)

# The rewriter's sources as its meson.build lists them, so that a file
# added there is fuzzed too.
rw_sources=$(sed -n "s/^ *'\([a-z0-9_]*\.c\)',*$/\1/p" "$top/rewriter/meson.build" |
	sed "s|^|$top/rewriter/|")

# The verifier decodes with LLVM's disassembler (rewriter/meson.build).
llvm_flags=
if grep -q llvm "$top/rewriter/meson.build"; then
	llvm_flags="$(llvm-config --cflags) $(llvm-config --ldflags --libs)"
fi

cc=${CC:-clang}
$cc -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/include" -I"$top/rewriter" -I"$top/tools" \
	$rw_sources "$top/tools/pack.c" "$top/tools/pe.c" \
	"$top/tests/fuzz/entries.c" "$top/tests/fuzz/fuzz_elf.c" \
	-lelf -lZydis -lZycore $llvm_flags -o "$out/fuzz-elf"

# Seeds: small static programs, whole and cut short.
seeds=$out/seeds
for src in "$top/tests/unit/snippet.c" "$top/tests/fuzz/seed_tls.c"; do
	name=$(basename "$src" .c)
	for pie in no-pie static-pie; do
		if [ $pie = no-pie ]; then flags="-fno-pie -no-pie -static"; else flags="-fPIE -static-pie"; fi
		gcc -O1 -fno-stack-protector -nostdlib $flags -o "$seeds/$name-$pie" "$src" ||
			continue
		strip -o "$seeds/$name-$pie-stripped" "$seeds/$name-$pie"
		size=$(stat -c %s "$seeds/$name-$pie")
		for cut in 64 200 $((size / 2)) $((size - 16)); do
			head -c "$cut" "$seeds/$name-$pie" >"$seeds/$name-$pie-cut$cut"
		done
	done
done
cp "$top"/tests/fuzz/corpus/* "$top"/tests/fuzz/regressions/* "$seeds/" 2>/dev/null || true
echo "built $out/fuzz-elf; $(ls "$seeds" | wc -l) seeds in $seeds"
