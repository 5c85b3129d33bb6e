/* Arrays that grow by doubling: the one way the project makes room in a
 * heap array (queues, lists, journals, tables of parallel arrays).
 *
 * An array is a pointer and a capacity kept by the caller. Both functions
 * take the address of the caller's pointer (T **, passed as void *) and
 * change it only on success, so a failure leaves the array as it was. */
#ifndef CB_CORE_GROW_H
#define CB_CORE_GROW_H

#include <stddef.h>

#include "core/err.h"

/* The capacity after cap: twice it, or `first` when it is 0.
 * Returns: the new capacity, or 0 when it would overflow `limit` items
 * (SIZE_MAX / elem at most). */
size_t cb_grow_next(size_t cap, size_t first, size_t elem, size_t limit);

/* Reallocates *items to hold count items of elem bytes each.
 * Returns: CB_OK, or CB_ERR_NOMEM (*items unchanged; also when
 * count * elem overflows). */
cb_err cb_resize(void *items, size_t count, size_t elem) CB_WARN_UNUSED;

/* Makes room for `need` items: while *cap is below it, doubles it
 * (starting from `first`), then reallocates *items once.
 * Returns: CB_OK, or CB_ERR_NOMEM (nothing changed; also on overflow). */
cb_err cb_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first) CB_WARN_UNUSED;

#endif
