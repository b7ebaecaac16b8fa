/* Whole-file behaviour: determinism, refusal, bad input, atomic output. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfgen.h"
#include "rwtest.h"
#include "sha256.h"

static const uint8_t sample_code[] = {
	0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, /* mov %fs:0x28,%rax */
	0x0f, 0x05, 0x48, 0x89, 0xc7,                         /* syscall; mov %rax,%rdi */
	0x64, 0x8b, 0x00, 0x90, 0x90, 0x90,                   /* mov %fs:(%rax),%eax */
	0x0f, 0x05, 0xc3,                                     /* syscall; ret */
};

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/lxnt-unit-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static char *tmp_path(const char *name)
{
	static char buf[4][128];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static int dir_entries(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", tmpdir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

Test(files, deterministic)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	struct rewritten a, b;
	char err[256];
	cr_assert_eq(rewrite_buffer(elf, n, 0, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rewrite_buffer(elf, n, 0, &b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(a.size, b.size);
	cr_assert_eq(memcmp(a.data, b.data, a.size), 0);
	uint8_t digest[32];
	lxnt_sha256(elf, n, digest);
	cr_assert_arr_eq(a.hdr.source_sha256, digest, 32);
	cr_assert_eq(a.hdr.site_count, 4);
	/* Only patched bytes and e_phoff/e_phnum differ inside the original size. */
	Elf64_Ehdr in_eh, out_eh;
	memcpy(&in_eh, elf, sizeof(in_eh));
	memcpy(&out_eh, a.data, sizeof(out_eh));
	cr_assert_eq(out_eh.e_phnum, in_eh.e_phnum + 2);
	cr_assert_eq(out_eh.e_phoff % 8, 0);
	cr_assert_eq(memcmp(a.data + sizeof(Elf64_Ehdr), elf + sizeof(Elf64_Ehdr),
		ELFGEN_CODE_OFFSET - sizeof(Elf64_Ehdr)), 0);
	rewritten_free(&a);
	rewritten_free(&b);
	free(elf);
}

Test(files, sites_sorted_and_table_matches_segment)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	struct rewritten a;
	char err[256];
	cr_assert_eq(rewrite_buffer(elf, n, 0, &a, err, sizeof(err)), 0, "%s", err);
	for (uint32_t i = 1; i < a.hdr.site_count; i++)
		cr_assert_lt(a.sites[i - 1].addr, a.sites[i].addr);
	Elf64_Ehdr eh;
	memcpy(&eh, a.data, sizeof(eh));
	Elf64_Phdr last;
	memcpy(&last, a.data + eh.e_phoff + (eh.e_phnum - 1) * sizeof(last), sizeof(last));
	cr_assert_eq(last.p_type, PT_LOAD);
	cr_assert_eq(last.p_flags, PF_R | PF_X);
	cr_assert_eq(last.p_offset, eh.e_phoff, "the program headers open the new segment");
	cr_assert_eq(last.p_vaddr % 4096, 0);
	cr_assert_geq(last.p_vaddr, ELFGEN_CODE_VADDR + sizeof(sample_code));
	cr_assert_eq(last.p_offset + last.p_filesz, a.size);
	cr_assert_eq(a.hdr.tramp_vaddr + a.hdr.tramp_size, last.p_vaddr + last.p_filesz);
	rewritten_free(&a);
	free(elf);
}

Test(files, refuses_rewritten_input)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	struct rewritten a, b;
	char err[256];
	cr_assert_eq(rewrite_buffer(elf, n, 0, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rewrite_buffer(a.data, a.size, 0, &b, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "already rewritten"), "%s", err);
	cr_assert_null(b.data);
	rewritten_free(&a);
	free(elf);
}

static void expect_file_error(const char *in, const char *out, const char *named,
	const char *reason)
{
	char err[512] = "";
	struct lxnt_rewrite_options opt = {0};
	int before = dir_entries();
	cr_assert_eq(lxnt_rewrite_file(in, out, &opt, NULL, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, named), "error does not name %s: %s", named, err);
	cr_assert_not_null(strstr(err, reason), "error %s lacks '%s'", err, reason);
	cr_assert_null(strchr(err, '\n'), "one line");
	cr_assert_eq(access(out, F_OK), -1, "output left behind");
	cr_assert_eq(dir_entries(), before, "temporary file left behind");
}

Test(files, bad_inputs, .init = make_tmpdir, .fini = remove_tmpdir)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	char out[128];
	snprintf(out, sizeof(out), "%s", tmp_path("out"));

	write_file(tmp_path("trunc"), elf, 0x800);
	expect_file_error(tmp_path("trunc"), out, "trunc", "truncated");

	elf[EI_CLASS] = ELFCLASS32;
	write_file(tmp_path("elf32"), elf, n);
	expect_file_error(tmp_path("elf32"), out, "elf32", "32-bit");
	elf[EI_CLASS] = ELFCLASS64;

	write_file(tmp_path("text"), "hello, world\n", 13);
	expect_file_error(tmp_path("text"), out, "text", "not an ELF file");

	expect_file_error(tmp_path("missing"), out, "missing", "No such file");

	write_file(tmp_path("good"), elf, n);
	expect_file_error(tmp_path("good"), tmp_path("no-dir/out"), "no-dir/out", "cannot create");
	free(elf);
}

Test(files, atomic_output_keeps_mode, .init = make_tmpdir, .fini = remove_tmpdir)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	write_file(tmp_path("in"), elf, n);
	chmod(tmp_path("in"), 0755);
	write_file(tmp_path("out"), "old", 3);
	char err[256];
	struct lxnt_rewrite_report rep;
	cr_assert_eq(lxnt_rewrite_file(tmp_path("in"), tmp_path("out"), NULL, &rep, err,
		sizeof(err)), 0, "%s", err);
	struct stat st;
	cr_assert_eq(stat(tmp_path("out"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0755);
	cr_assert_gt(st.st_size, (off_t)n);
	cr_assert_eq(rep.site_count, 4);
	cr_assert_eq(dir_entries(), 2);

	struct lxnt_rewrite_report ins;
	cr_assert_eq(lxnt_inspect_file(tmp_path("out"), NULL, &ins, err, sizeof(err)), 0, "%s", err);
	cr_assert(ins.already_rewritten);
	cr_assert_eq(ins.unhandled, 0);
	cr_assert_eq(ins.site_count, 4);
	cr_assert_eq(memcmp(ins.rung_count, rep.rung_count, sizeof(rep.rung_count)), 0);
	free(elf);
}

Test(files, inspect_finds_unpatched_site, .init = make_tmpdir, .fini = remove_tmpdir)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	struct rewritten a;
	char err[256];
	cr_assert_eq(rewrite_buffer(elf, n, 1, &a, err, sizeof(err)), 0, "%s", err);
	/* Undo one patch: inspect must notice. */
	uint8_t *p = a.data + ELFGEN_CODE_OFFSET + 9;
	p[0] = 0x0f;
	p[1] = 0x05;
	write_file(tmp_path("bad"), a.data, a.size);
	struct lxnt_rewrite_report ins;
	cr_assert_eq(lxnt_inspect_file(tmp_path("bad"), NULL, &ins, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ins.unhandled, 1);
	rewritten_free(&a);
	free(elf);
}
