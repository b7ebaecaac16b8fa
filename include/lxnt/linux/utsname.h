/* Linux uname(2) and sysinfo(2) structures (include/uapi/linux/utsname.h, sysinfo.h). */
#ifndef LXNT_LINUX_UTSNAME_H
#define LXNT_LINUX_UTSNAME_H

#include <stdint.h>

#define LX_NEW_UTS_LEN 64

struct lx_new_utsname {
	char sysname[LX_NEW_UTS_LEN + 1];
	char nodename[LX_NEW_UTS_LEN + 1];
	char release[LX_NEW_UTS_LEN + 1];
	char version[LX_NEW_UTS_LEN + 1];
	char machine[LX_NEW_UTS_LEN + 1];
	char domainname[LX_NEW_UTS_LEN + 1];
};

struct lx_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram;
	uint64_t freeram;
	uint64_t sharedram;
	uint64_t bufferram;
	uint64_t totalswap;
	uint64_t freeswap;
	uint16_t procs;
	uint16_t pad;
	uint32_t pad2;
	uint64_t totalhigh;
	uint64_t freehigh;
	uint32_t mem_unit;
	char _f[4];
};

_Static_assert(sizeof(struct lx_sysinfo) == 112, "struct sysinfo layout");

/*
 * What uname(2) and /proc/version report: the release names a kernel whose
 * system calls we follow (the table is written against Linux 5.15, the
 * kernel of WSL 2's long-term base), tagged so that scripts can tell lxnt
 * apart.
 */
#define LX_UNAME_RELEASE "5.15.0-lxnt"
#define LX_UNAME_VERSION "#1 SMP lxnt"

#endif
