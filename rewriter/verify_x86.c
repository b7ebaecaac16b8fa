/*
 * The verifier's decoder: LLVM's MC disassembler through its C API
 * (llvm-c/Disassembler.h), on purpose not Zydis, which the rewriter uses,
 * so that a decoding mistake in one is caught by the other.  Instructions
 * are judged from LLVM's AT&T text, printed with hexadecimal immediates.
 */
#include "verify_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

struct vf_x86 {
	LLVMDisasmContextRef dc;
};

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;

static void init_llvm(void)
{
	LLVMInitializeX86TargetInfo();
	LLVMInitializeX86TargetMC();
	LLVMInitializeX86Disassembler();
}

struct vf_x86 *vf_x86_open(void)
{
	pthread_once(&llvm_once, init_llvm);
	struct vf_x86 *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->dc = LLVMCreateDisasm("x86_64-linux-gnu", NULL, 0, NULL, NULL);
	if (!x->dc) {
		free(x);
		return NULL;
	}
	LLVMSetDisasmOptions(x->dc, LLVMDisassembler_Option_PrintImmHex);
	return x;
}

void vf_x86_close(struct vf_x86 *x)
{
	if (!x)
		return;
	LLVMDisasmDispose(x->dc);
	free(x);
}

/* Words LLVM prints before the mnemonic proper. */
static int is_prefix_word(const char *w, size_t n)
{
#define WORD(s) { s, sizeof(s) - 1 }
	static const struct { const char *s; size_t n; } words[] = {
		WORD("lock"), WORD("rep"), WORD("repe"), WORD("repne"), WORD("data16"),
		WORD("data32"), WORD("addr32"), WORD("notrack"), WORD("bnd"), WORD("xacquire"),
		WORD("xrelease"), WORD("rex64"), WORD("cs"), WORD("ds"), WORD("es"), WORD("fs"),
		WORD("gs"), WORD("ss"),
	};
#undef WORD
	/* Called for every instruction the verifier decodes: no strlen here. */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].n == n && memcmp(words[i].s, w, n) == 0)
			return 1;
	return 0;
}

/* Returns the length of out. */
static size_t collapse_spaces(const char *s, char *out, size_t len)
{
	size_t o = 0;
	int space = 0;
	for (; *s && o + 1 < len; s++) {
		if (isspace((unsigned char)*s)) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = 0;
		out[o++] = *s;
	}
	out[o] = '\0';
	return o;
}

static void find_mnemonic(struct vf_insn *in)
{
	const char *w = in->text;
	for (;;) {
		size_t n = strcspn(w, " ");
		if (is_prefix_word(w, n) && w[n] == ' ') {
			w += n + 1;
			continue;
		}
		if (n >= sizeof(in->mnem))
			n = sizeof(in->mnem) - 1;
		memcpy(in->mnem, w, n);
		in->mnem[n] = '\0';
		return;
	}
}

/*
 * Whether the prefixes of the instruction at p make %fs its segment.  The
 * cs, ds, es and ss overrides are ignored in 64-bit mode (Intel SDM vol. 1,
 * 3.4.2.1); the SDM leaves two prefixes of one group undefined (vol. 2,
 * 2.1.1), and, as in Zydis, the last of 0x64 and 0x65 counts here.  A REX
 * byte before a legacy prefix is ignored (vol. 2, 2.2.1) and skipped.
 */
static int has_fs_prefix(const uint8_t *p, size_t n)
{
	int fs = 0;
	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case 0x64:
			fs = 1;
			continue;
		case 0x65:
			fs = 0;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			continue;
		default:
			if (p[i] >= 0x40 && p[i] <= 0x4f)
				continue;
			return fs;
		}
	}
	return fs;
}

unsigned vf_decode(struct vf_x86 *x, const uint8_t *p, size_t avail, uint64_t pc,
	struct vf_insn *in)
{
	char raw[256];
	raw[0] = '\0';
	in->addr = pc;
	in->mnem[0] = in->text[0] = '\0';
	in->fs_prefix = in->fs_byte = 0;
	size_t n = LLVMDisasmInstruction(x->dc, (uint8_t *)p, avail, pc, raw, sizeof(raw));
	in->len = (unsigned)n;
	if (n == 0)
		return 0;
	size_t textlen = collapse_spaces(raw, in->text, sizeof(in->text));
	/* LLVM returns a lock prefix before some instructions as an
	 * instruction of its own; the CPU (and Zydis) take them as one. */
	struct vf_insn rest;
	if (is_prefix_word(in->text, textlen) && n < avail &&
	    vf_decode(x, p + n, avail - n, pc + n, &rest)) {
		size_t w = strlen(in->text), room = sizeof(in->text) - w - 2;
		in->text[w] = ' ';
		memcpy(in->text + w + 1, rest.text, strnlen(rest.text, room));
		in->text[w + 1 + strnlen(rest.text, room)] = '\0';
		in->len += rest.len;
	}
	find_mnemonic(in);
	/* Only a 0x64 byte can select %fs: without one, neither the prefix
	 * walk nor LLVM's text needs looking at for %fs. */
	in->fs_byte = memchr(p, 0x64, in->len) != NULL;
	in->fs_prefix = in->fs_byte && has_fs_prefix(p, in->len);
	return in->len;
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/*
 * Whether the instruction has a memory operand that a segment prefix can
 * apply to: "disp(%reg...)", or an absolute address, which AT&T syntax
 * prints as a bare number (an immediate has "$", a branch target is no
 * memory operand); not the fixed %es:(%rdi) of string stores.
 */
static int accesses_memory(const struct vf_insn *in)
{
	static const char *const string_ops[] = { "stos", "movs", "scas", "cmps", "ins" };
	unsigned fixed = 0;
	for (size_t i = 0; i < sizeof(string_ops) / sizeof(string_ops[0]); i++)
		if (strncmp(in->mnem, string_ops[i], strlen(string_ops[i])) == 0)
			fixed = count(in->text, "%es:(%");
	if (count(in->text, "(%") > fixed)
		return 1;
	if (strncmp(in->mnem, "movabs", 6) == 0 || strncmp(in->mnem, "xlat", 4) == 0)
		return 1;
	if (in->mnem[0] == 'j' || strncmp(in->mnem, "call", 4) == 0 ||
	    strncmp(in->mnem, "loop", 4) == 0 || strncmp(in->mnem, "xbegin", 6) == 0)
		return 0;
	const char *ops = strstr(in->text, in->mnem);
	for (const char *p = ops ? ops + strlen(in->mnem) : ""; *p; p++)
		if (p[-1] == ' ' && (isdigit((unsigned char)*p) || *p == '-'))
			return 1;
	return 0;
}

int vf_site_kind(const struct vf_insn *in)
{
	if (strcmp(in->mnem, "syscall") == 0)
		return LXNT_SITE_SYSCALL;
	if (strcmp(in->mnem, "sysenter") == 0)
		return LXNT_SITE_SYSENTER;
	if (strcmp(in->mnem, "int") == 0)
		return strstr(in->text, "$0x80") ? LXNT_SITE_INT80 : -1;
	/* lea computes an address and never reads through the segment. */
	if (!in->fs_byte || strncmp(in->mnem, "lea", 3) == 0)
		return -1;
	if (strstr(in->text, "%fs:"))
		return LXNT_SITE_FS;
	/*
	 * LLVM does not always print an fs prefix on the operand it applies
	 * to: it shows "fs" as a word of its own (moffs movabs, xlat, or after
	 * another segment prefix), or shows a later cs, ds, es or ss override,
	 * which 64-bit mode ignores (see has_fs_prefix).  So an fs prefix
	 * on any memory access but the fixed %es:(%rdi) of string stores makes
	 * a site, unless a gs prefix overrides it.
	 */
	if (in->fs_prefix && !strstr(in->text, "%gs:") && accesses_memory(in))
		return LXNT_SITE_FS;
	return -1;
}

/* LLVM prints a branch without a symbolizer as its signed displacement. */
int vf_jmp_target(const struct vf_insn *in, uint64_t *target)
{
	if (strcmp(in->mnem, "jmp") != 0)
		return 0;
	const char *op = strchr(in->text, ' ');
	if (!op)
		return 0;
	char *end;
	long long rel = strtoll(op + 1, &end, 16);
	if (*end != '\0')
		return 0;
	*target = in->addr + in->len + (uint64_t)rel;
	return 1;
}

/*
 * A direct jmp or jcc: its absolute target, so that a branch the rewriter
 * moved into a trampoline (and re-encoded from rel8 to rel32) compares
 * equal to the original.
 */
static int branch_text(const struct vf_insn *in, char *out, size_t len)
{
	const char *op = strchr(in->text, ' ');
	if (in->mnem[0] != 'j' || !op || strchr(op + 1, ' '))
		return 0;
	char *end;
	long long rel = strtoll(op + 1, &end, 16);
	if (end == op + 1 || *end != '\0')
		return 0;
	snprintf(out, len, "%s [%#llx]", in->mnem,
		(unsigned long long)(in->addr + in->len + (uint64_t)rel));
	return 1;
}

void vf_absolute_text(const struct vf_insn *in, char *out, size_t len)
{
	const char *s = in->text;
	/* A direct jmp or jcc: LLVM prints its displacement, make it the target. */
	const char *op = strchr(s, ' ');
	if (in->mnem[0] == 'j' && op && strcmp(op + 1, "") != 0) {
		char *end;
		long long rel = strtoll(op + 1, &end, 16);
		if (*end == '\0') {
			snprintf(out, len, "%.*s [%#llx]", (int)(op - s), s,
				(unsigned long long)(in->addr + in->len + (uint64_t)rel));
			return;
		}
	}
	size_t o = 0;
	out[0] = '\0';
	if (branch_text(in, out, len))
		return;
	while (*s && o + 1 < len) {
		const char *rip = strstr(s, "(%rip)");
		if (!rip) {
			snprintf(out + o, len - o, "%s", s);
			return;
		}
		const char *d = rip;
		while (d > s && (isxdigit((unsigned char)d[-1]) || d[-1] == 'x' || d[-1] == '-'))
			d--;
		long long disp = strtoll(d, NULL, 16);
		int w = snprintf(out + o, len - o, "%.*s[%#llx]", (int)(d - s), s,
			(unsigned long long)(in->addr + in->len + (uint64_t)disp));
		if (w < 0 || (size_t)w >= len - o)
			return;
		o += (size_t)w;
		s = rip + strlen("(%rip)");
	}
}
