/* The log: its timestamp format, the clock it is given, debug lines only
 * when asked for, and lines appended to the file whole. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/log.h"

static void fixed_clock(struct timespec *now)
{
    now->tv_sec = 1764590400; /* 2025-12-01T12:00:00Z */
    now->tv_nsec = 123456789;
}

static void test_stamp(void **state)
{
    (void)state;
    char out[64];
    struct timespec t = {0, 999999999};
    cb_log_stamp(out, sizeof out, &t);
    assert_string_equal(out, "1970-01-01T00:00:00.999Z");
    fixed_clock(&t);
    cb_log_stamp(out, sizeof out, &t);
    assert_string_equal(out, "2025-12-01T12:00:00.123Z");
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_file_clock_and_debug(void **state)
{
    (void)state;
    char path[] = "/tmp/cb-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    cb_logger *lg;
    assert_int_equal(cb_logger_new(&lg, path, false, false, fixed_clock), CB_OK);
    assert_false(cb_logger_debug(lg));
    cb_log(lg, "block %u", 7u);
    cb_log_debug(lg, "not written");
    cb_logger_free(lg);
    assert_int_equal(cb_logger_new(&lg, path, true, false, fixed_clock), CB_OK);
    assert_true(cb_logger_debug(lg));
    cb_log_debug(lg, "detail %s", "here");
    cb_logger_free(lg);
    assert_string_equal(read_all(path), "2025-12-01T12:00:00.123Z block 7\n"
                                        "2025-12-01T12:00:00.123Z detail here\n");
    unlink(path);
    /* A file that cannot be opened is an error, not a silent stderr log. */
    assert_int_equal(cb_logger_new(&lg, "/nonexistent-dir/x/debug.log", false, false, NULL),
                     CB_ERR_ARG);
    assert_null(lg);
    /* No logger at all still writes (to stderr) and does not crash. */
    cb_log(NULL, "to stderr only");
    assert_false(cb_logger_debug(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_file_clock_and_debug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
