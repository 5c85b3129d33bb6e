/* libFuzzer target: text a user, a config file or the RPC hands the node.
 * The first byte picks the parser:
 *   0  amounts (cb_amount_parse): what parses formats and parses back to
 *      the same units;
 *   1  subnets (setban): what parses formats canonically, and the
 *      canonical text parses to the same subnet;
 *   2  network groups and routability of a host;
 *   3  a coinbit.conf file (cb_options_from_file): parsed or refused
 *      with a message, never past its bounds;
 *   4  a command line (NUL-separated arguments) through
 *      cb_options_from_argv and cb_daemon_config_from_options, the one
 *      place options become a node's configuration: taken or refused
 *      with a message naming what is wrong;
 *   5  a port or a whole number (cb_parse_port, cb_parse_listen_port,
 *      cb_parse_long): what
 *      parses is in range, and its printed form parses to the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/daemon.h"
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
    switch (data[0] % 6) {
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
    case 4: {
        /* Up to 64 arguments, split at NUL bytes of the input. */
        char *argv[65];
        int argc = 0;
        argv[argc++] = "coinbitd";
        for (size_t i = 0; i < size - 1 && argc < 65;) {
            argv[argc++] = s + i;
            i += strlen(s + i) + 1;
        }
        cb_options *o = calloc(1, sizeof *o);
        cb_daemon_config *cfg = calloc(1, sizeof *cfg);
        char msg[256] = "";
        int first = 0;
        if (o && cfg && cb_options_from_argv(o, argc, argv, &first, msg, sizeof msg) == 0) {
            if (first < 1 || first > argc)
                abort();
            msg[0] = '\0';
            if (cb_daemon_config_from_options(cfg, o, msg, sizeof msg) != 0) {
                if (!msg[0])
                    abort(); /* a refusal always says why */
            } else if (!cfg->node.params || !cfg->node.datadir[0] || cfg->node.minethreads < 1 ||
                       cfg->node.minethreads > 64 || (cfg->node.mine && !cfg->node.have_mineto) ||
                       cfg->net.nconnect > CB_NET_MAX_MANUAL ||
                       cfg->net.naddnode > CB_NET_MAX_MANUAL) {
                abort(); /* taken, so it must be a configuration a node can start with */
            }
        } else if (o && cfg && !msg[0]) {
            abort();
        }
        free(o);
        free(cfg);
        break;
    }
    case 5: {
        uint16_t port;
        long v;
        char text[32];
        uint16_t again;
        long back;
        if (cb_parse_port(s, &port) == 0) {
            snprintf(text, sizeof text, "%u", (unsigned)port);
            if (port == 0 || cb_parse_port(text, &again) != 0 || again != port)
                abort();
        }
        if (cb_parse_listen_port(s, &port) == 0) {
            snprintf(text, sizeof text, "%u", (unsigned)port);
            if (cb_parse_listen_port(text, &again) != 0 || again != port ||
                (port != 0 && cb_parse_port(text, &again) != 0))
                abort();
        }
        if (cb_parse_long(s, -1000000, 1000000, &v) == 0) {
            snprintf(text, sizeof text, "%ld", v);
            if (v < -1000000 || v > 1000000 || cb_parse_long(text, -1000000, 1000000, &back) != 0 ||
                back != v)
                abort();
        }
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
