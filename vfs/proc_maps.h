/* /proc/<pid>/maps (proc_maps.c). */
#ifndef LXNT_VFS_PROC_MAPS_H
#define LXNT_VFS_PROC_MAPS_H

#include <stddef.h>

/* The text of pid's maps: the calling process's own, or what another
 * answers (lx_proc_query); -LX_ESRCH for no process. */
long lx_proc_maps_text(long pid, char **text, size_t *len);

#endif
