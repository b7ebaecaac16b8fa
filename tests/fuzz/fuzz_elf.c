/*
 * libFuzzer harness for the ELF reader and the rewriter: every input goes
 * through the entry points of entries.c.  Built by tests/fuzz/build.sh,
 * run as described in docs/testing.md ("Fuzzing").
 */
#include <stddef.h>
#include <stdint.h>

#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_entries(data, size);
	return 0;
}
