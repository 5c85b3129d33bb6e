/* gen_docs: the documents made at build time from the tables in the code,
 * so they cannot drift from what the programs do (not installed).
 *
 *   gen_docs conf           the example coinbit.conf: every option of
 *                           coinbitd, commented out, with its help
 *   gen_docs man-methods    a help2man section for coinbit-cli(1): every
 *                           RPC method with its arguments and help
 *   gen_docs method-names   the method names, one a line (for completion)
 *
 * Exit status 0, or 2 for an unknown request. */
#include <stdio.h>
#include <string.h>

#include "app/daemon.h"
#include "rpc/rpc.h"

static void conf(void)
{
    printf("# coinbit.conf: the configuration file of coinbitd (and of the coinbit menu's\n"
           "# own node). Each line is NAME=VALUE, a coinbitd option without its dash; a\n"
           "# line starting with # is ignored. An option on the command line wins over the\n"
           "# file. Every option is below, commented out: remove the # to use one. This file\n"
           "# is made from coinbitd's own option table, as coinbitd -help is.\n");
    for (const cb_option_doc *d = cb_daemon_option_docs; d->name; d++) {
        if (d->command_line_only)
            continue;
        printf("\n# %s\n#%s=%s\n", d->help, d->name, d->arg ? d->arg : "1");
    }
}

/* roff text: a backslash and a leading dot or quote would be commands. */
static void roff(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

static void man_methods(void)
{
    printf("[RPC METHODS]\n"
           "The methods of the coinbitd of this version (coinbit\\-cli help asks the node):\n");
    for (const cb_rpc_method *m = cb_rpc_methods(); m->name; m++) {
        printf(".TP\n.B ");
        roff(m->name);
        if (m->args && *m->args) {
            putchar(' ');
            roff(m->args);
        }
        putchar('\n');
        roff(m->about);
        putchar('\n');
    }
}

int main(int argc, char **argv)
{
    const char *what = argc == 2 ? argv[1] : "";
    if (strcmp(what, "conf") == 0) {
        conf();
    } else if (strcmp(what, "man-methods") == 0) {
        man_methods();
    } else if (strcmp(what, "method-names") == 0) {
        for (const cb_rpc_method *m = cb_rpc_methods(); m->name; m++)
            printf("%s\n", m->name);
    } else {
        fprintf(stderr, "usage: gen_docs conf|man-methods|method-names\n");
        return 2;
    }
    return 0;
}
