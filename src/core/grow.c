#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t cb_grow_next(size_t cap, size_t first, size_t elem, size_t limit)
{
    size_t most = elem ? SIZE_MAX / elem : 0;
    if (limit == 0 || limit > most)
        limit = most;
    if (cap == 0)
        return first <= limit ? first : 0;
    return cap <= limit / 2 ? cap * 2 : 0;
}

cb_err cb_resize(void *items, size_t count, size_t elem)
{
    void *old, *fresh;
    if (elem && count > SIZE_MAX / elem)
        return CB_ERR_NOMEM;
    /* The caller's pointer is read and written as bytes: it may be any
     * object pointer type. */
    memcpy(&old, items, sizeof old);
    size_t bytes = count * elem;
    fresh = realloc(old, bytes > 0 ? bytes : 1);
    if (!fresh)
        return CB_ERR_NOMEM;
    memcpy(items, &fresh, sizeof fresh);
    return CB_OK;
}

cb_err cb_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return CB_OK;
    size_t next = *cap;
    while (next < need) {
        next = cb_grow_next(next, first ? first : 1, elem, 0);
        if (!next)
            return CB_ERR_NOMEM;
    }
    if (cb_resize(items, next, elem) != CB_OK)
        return CB_ERR_NOMEM;
    *cap = next;
    return CB_OK;
}
