#include "node/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct cb_logger {
    FILE *file; /* NULL: stderr only */
    bool debug;
    bool echo;
    cb_log_clock_fn clock;
};

static void real_clock(struct timespec *now)
{
    clock_gettime(CLOCK_REALTIME, now);
}

cb_err cb_logger_new(cb_logger **out, const char *path, bool debug, bool echo,
                     cb_log_clock_fn clock)
{
    *out = NULL;
    cb_logger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return CB_ERR_NOMEM;
    if (path) {
        lg->file = fopen(path, "a");
        if (!lg->file) {
            free(lg);
            return CB_ERR_ARG;
        }
    }
    lg->debug = debug;
    lg->echo = echo;
    lg->clock = clock ? clock : real_clock;
    *out = lg;
    return CB_OK;
}

void cb_logger_free(cb_logger *lg)
{
    if (!lg)
        return;
    if (lg->file)
        fclose(lg->file);
    free(lg);
}

bool cb_logger_debug(const cb_logger *lg)
{
    return lg && lg->debug;
}

void cb_log_stamp(char *out, size_t cap, const struct timespec *t)
{
    char secs[24];
    struct tm tm;
    gmtime_r(&t->tv_sec, &tm);
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
    /* Milliseconds: blocks cross a local network in less than a second. */
    snprintf(out, cap, "%s.%03uZ", secs, (unsigned)(t->tv_nsec / 1000000) % 1000u);
}

static void vlog(cb_logger *lg, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void vlog(cb_logger *lg, const char *fmt, va_list ap)
{
    char line[2048], stamp[64];
    struct timespec now;
    if (lg)
        lg->clock(&now);
    else
        real_clock(&now);
    cb_log_stamp(stamp, sizeof stamp, &now);
    vsnprintf(line, sizeof line, fmt, ap);
    if (!lg || lg->echo)
        fprintf(stderr, "%s %s\n", stamp, line);
    if (lg && lg->file) {
        fprintf(lg->file, "%s %s\n", stamp, line);
        fflush(lg->file);
    }
}

void cb_log(cb_logger *lg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lg, fmt, ap);
    va_end(ap);
}

void cb_log_debug(cb_logger *lg, const char *fmt, ...)
{
    if (!cb_logger_debug(lg))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(lg, fmt, ap);
    va_end(ap);
}
