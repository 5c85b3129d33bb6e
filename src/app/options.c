#include "app/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(cb_options *o, const char *key, size_t keylen, const char *value, const char *where,
               char *msg, size_t msglen)
{
    if (o->n == CB_MAX_OPTIONS) {
        snprintf(msg, msglen, "too many options (at most %d)", CB_MAX_OPTIONS);
        return -1;
    }
    if (keylen == 0 || keylen >= sizeof o->items[0].key) {
        snprintf(msg, msglen, "%s: malformed option name", where);
        return -1;
    }
    if (strlen(value) >= sizeof o->items[0].value) {
        snprintf(msg, msglen, "%s: value of -%.*s is too long", where, (int)keylen, key);
        return -1;
    }
    cb_option *it = &o->items[o->n++];
    memcpy(it->key, key, keylen);
    it->key[keylen] = '\0';
    snprintf(it->value, sizeof it->value, "%s", value);
    snprintf(it->where, sizeof it->where, "%s", where);
    return 0;
}

int cb_options_from_argv(cb_options *o, int argc, char **argv, int *first_arg, char *msg,
                         size_t msglen)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *k = argv[i] + 1;
        if (*k == '-')
            k++; /* --name works too */
        const char *eq = strchr(k, '=');
        if (add(o, k, eq ? (size_t)(eq - k) : strlen(k), eq ? eq + 1 : "", "command line", msg,
                msglen) != 0)
            return -1;
    }
    *first_arg = i;
    return 0;
}

int cb_options_from_file(cb_options *o, const char *path, bool optional, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int no = 0;
    if (!f) {
        if (optional && errno == ENOENT)
            return 0;
        snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(msg, msglen, "%s line %d is too long", path, no);
            fclose(f);
            return -1;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(msg, msglen, "%s line %d: expected name=value", path, no);
            fclose(f);
            return -1;
        }
        char where[64];
        snprintf(where, sizeof where, "coinbit.conf line %d", no);
        size_t klen = (size_t)(eq - s);
        while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
            klen--;
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (add(o, s, klen, v, where, msg, msglen) != 0) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

int cb_options_append(cb_options *dst, const cb_options *src, char *msg, size_t msglen)
{
    if (src->n > CB_MAX_OPTIONS - dst->n) {
        snprintf(msg, msglen,
                 "too many options: %zu in coinbit.conf and %zu on the command line "
                 "(at most %d in all)",
                 dst->n, src->n, CB_MAX_OPTIONS);
        return -1;
    }
    memcpy(dst->items + dst->n, src->items, src->n * sizeof *src->items);
    dst->n += src->n;
    return 0;
}

const char *cb_options_get(const cb_options *o, const char *key)
{
    for (size_t i = o->n; i-- > 0;)
        if (strcmp(o->items[i].key, key) == 0)
            return o->items[i].value;
    return NULL;
}

int cb_options_bool(const cb_options *o, const char *key, bool dflt, bool *out)
{
    const char *v = cb_options_get(o, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!*v || strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

void cb_default_datadir(char *out, size_t cap)
{
    const char *home = getenv("HOME");
    snprintf(out, cap, "%s/.coinbit", home && *home ? home : ".");
}

int cb_options_datadir(const cb_options *o, bool regtest, char *base, size_t basecap, char *datadir,
                       size_t cap, char *msg, size_t msglen)
{
    char dflt[4096];
    const char *dd = cb_options_get(o, "datadir");
    if (!dd || !*dd) {
        cb_default_datadir(dflt, sizeof dflt);
        dd = dflt;
    }
    int n = snprintf(datadir, cap, regtest ? "%s/regtest" : "%s", dd);
    if (n < 0 || (size_t)n >= cap || (base && strlen(dd) >= basecap)) {
        snprintf(msg, msglen, "the data directory path is too long");
        return -1;
    }
    if (base)
        snprintf(base, basecap, "%s", dd);
    return 0;
}

int cb_parse_long(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    if (!text || !*text || (text[0] != '-' && (text[0] < '0' || text[0] > '9')))
        return -1;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cb_parse_port(const char *text, uint16_t *out)
{
    long v;
    if (!text || text[0] == '-' || cb_parse_long(text, 1, 65535, &v) != 0)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

int cb_parse_listen_port(const char *text, uint16_t *out)
{
    long v;
    if (!text || text[0] == '-' || cb_parse_long(text, 0, 65535, &v) != 0)
        return -1;
    *out = (uint16_t)v;
    return 0;
}
