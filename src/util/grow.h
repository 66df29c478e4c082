/*
 * grow.h -- the one way a heap array makes room for one more element, and a byte buffer for
 * more bytes.
 */
#ifndef SBX_GROW_H
#define SBX_GROW_H

#include <stddef.h>

/*
 * Returns items (n elements of size bytes, room for *cap) with room for at least n + 1: the
 * same pointer when there is room, else the array reallocated to twice its capacity (16 the
 * first time) and *cap updated. NULL when out of memory (items and *cap are then unchanged and
 * still the caller's).
 */
void *grow_array(void *items, size_t n, size_t *cap, size_t size);
/*
 * The same for an array the caller holds in *itemsp (the address of its pointer): grows it
 * with grow_array and returns its element n, zeroed; the caller counts it (n + 1) once it is
 * filled. NULL when out of memory (*itemsp and *cap are then unchanged).
 */
void *grow_slot(void *itemsp, size_t n, size_t *cap, size_t size);
/*
 * Makes the byte buffer the caller holds in *bufp (capacity *cap) hold at least need bytes:
 * reallocated to first bytes (when it has none yet), doubled until need fits. 0, or -1 when
 * out of memory (*bufp and *cap are then unchanged and still the caller's).
 */
int grow_bytes(void *bufp, size_t *cap, size_t need, size_t first);

#endif
