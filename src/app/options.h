/* Options shared by coinbitd and coinbit-cli: "-name=value" on the
 * command line, "name=value" lines in <datadir>/coinbit.conf, the command
 * line winning. */
#ifndef CB_APP_OPTIONS_H
#define CB_APP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Options from the command line and the file together: more is an error. */
#define CB_MAX_OPTIONS 256

typedef struct {
    char key[32];
    char value[512];
    char where[64]; /* "command line" or "coinbit.conf line 3" */
} cb_option;

typedef struct {
    cb_option items[CB_MAX_OPTIONS];
    size_t n;
} cb_options;

/* Collects "-key[=value]" arguments up to the first that is not one.
 * Out: *first_arg, the index of the first other argument.
 * Returns: 0, or -1 with msg (too many, malformed). */
int cb_options_from_argv(cb_options *o, int argc, char **argv, int *first_arg, char *msg,
                         size_t msglen);

/* Reads "key=value" lines from a file (# comments, blank lines). A missing
 * file is fine when `optional`. Returns: 0, or -1 with msg. */
int cb_options_from_file(cb_options *o, const char *path, bool optional, char *msg, size_t msglen);

/* Appends every option of src to dst (the later wins in cb_options_get).
 * Returns: 0, or -1 with msg when they do not all fit: never a silent cut. */
int cb_options_append(cb_options *dst, const cb_options *src, char *msg, size_t msglen);

/* The last value given for key, or NULL. */
const char *cb_options_get(const cb_options *o, const char *key);

/* A boolean option: absent -> dflt; "", "1", "true" -> true; "0", "false" -> false.
 * Returns: 0, or -1 for another value. */
int cb_options_bool(const cb_options *o, const char *key, bool dflt, bool *out);

/* The default data directory: $HOME/.coinbit. */
void cb_default_datadir(char *out, size_t cap);

/* The data directory the options name: -datadir or the default, with
 * "/regtest" after it on regtest (as Core's network subdirectories).
 * Out: base (the directory holding coinbit.conf; may be NULL), datadir.
 * Returns: 0, or -1 with msg when a path does not fit. */
int cb_options_datadir(const cb_options *o, bool regtest, char *base, size_t basecap, char *datadir,
                       size_t cap, char *msg, size_t msglen);

/* A TCP port: 1 to 65535, decimal digits only. Returns: 0 or -1. */
int cb_parse_port(const char *text, uint16_t *out);

/* A port to listen on: as cb_parse_port, or 0 for any free one (the
 * system picks; the daemon writes which into <datadir>/coinbitd.ports).
 * Returns: 0 or -1. */
int cb_parse_listen_port(const char *text, uint16_t *out);

/* A whole number in [lo, hi], decimal, nothing after it. Returns: 0 or -1. */
int cb_parse_long(const char *text, long lo, long hi, long *out);

#endif
