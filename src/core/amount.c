#include "core/amount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cb_err cb_amount_parse(const char *s, uint64_t *units)
{
    /* Digits as one integer and a decimal exponent: value = m * 10^e. */
    uint64_t m = 0;
    int digits = 0, exp = 0;
    const char *p = s;
    bool any = false, point = false;
    if (!s)
        return CB_ERR_ARG;
    /* Zeros at the end of a fraction say nothing: "1.50000000000000000000"
     * is 1.5. Stop before them. */
    const char *end = s + strlen(s);
    if (strchr(s, '.') && !strpbrk(s, "eE"))
        while (end > s && end[-1] == '0')
            end--;
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            any = true;
            if (m == 0 && *p == '0' && !point)
                continue; /* leading zeros */
            /* No amount needs 19 significant digits (at most 7 + 8). */
            if (digits >= 19)
                return point ? CB_ERR_ARG : CB_ERR_TX_MONEY_RANGE;
            m = m * 10 + (uint64_t)(*p - '0');
            digits += m != 0;
            if (point)
                exp--;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    if (!any)
        return CB_ERR_ARG;
    if (p < end && (*p == 'e' || *p == 'E')) {
        char *eend = NULL;
        long e = strtol(p + 1, &eend, 10);
        if (eend == p + 1 || *eend || e < -40 || e > 40)
            return CB_ERR_ARG;
        exp += (int)e;
    } else if (p < end && *p) {
        return CB_ERR_ARG;
    }
    /* Units are 10^-8 CB. */
    exp += 8;
    while (exp < 0) {
        if (m % 10 != 0)
            return CB_ERR_ARG; /* finer than one unit */
        m /= 10;
        exp++;
    }
    while (exp > 0) {
        if (m > CB_MAX_MONEY / 10 + 1)
            return CB_ERR_TX_MONEY_RANGE;
        m *= 10;
        exp--;
    }
    if (m > CB_MAX_MONEY)
        return CB_ERR_TX_MONEY_RANGE;
    *units = m;
    return CB_OK;
}

void cb_amount_format(char out[CB_AMOUNT_TEXT], uint64_t units)
{
    snprintf(out, CB_AMOUNT_TEXT, "%llu.%08llu", (unsigned long long)(units / CB_COIN),
             (unsigned long long)(units % CB_COIN));
}
