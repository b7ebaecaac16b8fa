/*
 * lx_copy_from_user, lx_copy_to_user, lx_strncpy_from_user: every access
 * to guest memory goes through these, so a bad guest pointer becomes
 * -LX_EFAULT instead of a crash (Linux, include/linux/uaccess.h).
 */
#include "lx.h"

long lx_uaccess_copy(void *dst, const void *src, size_t n);
long lx_uaccess_strncpy(char *dst, const void *src, size_t n);
long lx_uaccess_get32(uint32_t *dst, const void *src);
long lx_uaccess_cmpxchg32(void *p, uint32_t *expected, uint32_t desired);

/* The x86-64 user address limit (Linux TASK_SIZE_MAX, 47-bit). */
#define LX_USER_LIMIT 0x00007ffffffff000ULL

static bool user_range_ok(uint64_t addr, size_t n)
{
	return addr + n >= addr && addr + n <= LX_USER_LIMIT;
}

long lx_copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (n == 0)
		return 0;
	if (!user_range_ok(src, n))
		return -LX_EFAULT;
	return lx_uaccess_copy(dst, (const void *)(uintptr_t)src, n);
}

long lx_copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (!user_range_ok(dst, n))
		return -LX_EFAULT;
	return lx_uaccess_copy((void *)(uintptr_t)dst, src, n);
}

long lx_strncpy_from_user(char *dst, uint64_t src, size_t n)
{
	if (n == 0)
		return -LX_ENAMETOOLONG;
	if (src >= LX_USER_LIMIT)
		return -LX_EFAULT;
	/* Never read past the user limit, even when n would allow it. */
	size_t room = LX_USER_LIMIT - src;
	long len = lx_uaccess_strncpy(dst, (const void *)(uintptr_t)src, n < room ? n : room);

	if (len < 0)
		return len;
	if ((size_t)len >= n) {
		dst[n - 1] = '\0';
		return -LX_ENAMETOOLONG;
	}
	if ((size_t)len >= room)
		return -LX_EFAULT;
	return len;
}

long lx_get_user32(uint32_t *dst, uint64_t src)
{
	if ((src & 3) || !user_range_ok(src, sizeof(*dst)))
		return -LX_EFAULT;
	return lx_uaccess_get32(dst, (const void *)(uintptr_t)src);
}

long lx_cmpxchg_user32(uint64_t addr, uint32_t *expected, uint32_t desired)
{
	if ((addr & 3) || !user_range_ok(addr, sizeof(*expected)))
		return -LX_EFAULT;
	return lx_uaccess_cmpxchg32((void *)(uintptr_t)addr, expected, desired);
}
