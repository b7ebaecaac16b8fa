/*
 * The clocks of runtime/sys_time.c, for code that measures deadlines on
 * them (futex.c).
 */
#ifndef LXNT_RUNTIME_CLOCK_H
#define LXNT_RUNTIME_CLOCK_H

#include <stdint.h>

/* CLOCK_REALTIME and CLOCK_MONOTONIC in nanoseconds. */
int64_t lx_clock_realtime_ns(void);
int64_t lx_clock_monotonic_ns(void);

#endif
