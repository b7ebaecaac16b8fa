/*
 * The guard's negative test: a static program whose first system call is
 * made from the image window.  Run natively under lxnt-guard, or packed with
 * `lxnt pack --no-rewrite` and run under Wine, it must die of SIGSYS before
 * printing anything; packed normally it prints "alive" and exits 0.
 */
#include <unistd.h>

int main(void)
{
	static const char msg[] = "alive\n";

	return write(STDOUT_FILENO, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : 1;
}
