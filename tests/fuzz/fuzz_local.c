/* libFuzzer target: text a user, a config file or the RPC hands the node.
 * The first byte picks the parser:
 *   0  amounts (cb_amount_parse): what parses formats and parses back to
 *      the same units;
 *   1  subnets (setban): what parses formats canonically, and the
 *      canonical text parses to the same subnet;
 *   2  network groups and routability of a host;
 *   3  a coinbit.conf file (cb_options_from_file): parsed or refused
 *      with a message, never past its bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/options.h"
#include "core/amount.h"
#include "net/banlist.h"
#include "net/netgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0: {
        uint64_t units, again;
        if (cb_amount_parse(s, &units) == CB_OK) {
            char text[CB_AMOUNT_TEXT];
            cb_amount_format(text, units);
            if (cb_amount_parse(text, &again) != CB_OK || again != units)
                abort();
        }
        break;
    }
    case 1: {
        cb_subnet a, b;
        if (cb_subnet_parse(&a, s) == CB_OK) {
            char text[CB_SUBNET_TEXT_MAX];
            cb_subnet_format(text, &a);
            if (cb_subnet_parse(&b, text) != CB_OK || memcmp(&a, &b, sizeof a) != 0)
                abort();
            (void)cb_subnet_contains(&a, s);
        }
        break;
    }
    case 2: {
        cb_netgroup g;
        if (cb_netgroup_of(s, &g) && cb_netgroup_is_local(&g) == cb_addr_routable(s))
            abort();
        break;
    }
    default: {
        char path[] = "/tmp/cb-fuzz-conf-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
            break;
        FILE *f = fdopen(fd, "w");
        if (f) {
            fwrite(data + 1, 1, size - 1, f);
            fclose(f);
            cb_options *o = calloc(1, sizeof *o);
            char msg[256] = "";
            if (o && cb_options_from_file(o, path, false, msg, sizeof msg) != 0 && !msg[0])
                abort(); /* a refusal always says why */
            if (o && o->n > CB_MAX_OPTIONS)
                abort();
            free(o);
        } else {
            close(fd);
        }
        unlink(path);
        break;
    }
    }
    free(s);
    return 0;
}
