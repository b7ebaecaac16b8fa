/* Linux time ABI (include/uapi/linux/time.h, time_types.h). */
#ifndef LXNT_LINUX_TIME_H
#define LXNT_LINUX_TIME_H

#include <stdint.h>

struct lx_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct lx_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct lx_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

#define LX_CLOCK_REALTIME           0
#define LX_CLOCK_MONOTONIC          1
#define LX_CLOCK_PROCESS_CPUTIME_ID 2
#define LX_CLOCK_THREAD_CPUTIME_ID  3
#define LX_CLOCK_MONOTONIC_RAW      4
#define LX_CLOCK_REALTIME_COARSE    5
#define LX_CLOCK_MONOTONIC_COARSE   6
#define LX_CLOCK_BOOTTIME           7
#define LX_CLOCK_REALTIME_ALARM     8
#define LX_CLOCK_BOOTTIME_ALARM     9
#define LX_CLOCK_TAI                11

#define LX_TIMER_ABSTIME 0x01

#endif
