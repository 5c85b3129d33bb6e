/* Amounts typed by people and sent over RPC: exact decimal parsing. */
#include "support.h"

#include "core/amount.h"

static void test_parse(void **state)
{
    (void)state;
    struct {
        const char *s;
        cb_err err;
        uint64_t units;
    } cases[] = {
        {"0", CB_OK, 0},
        {"1", CB_OK, 100000000},
        {"1.5", CB_OK, 150000000},
        {"0.00000001", CB_OK, 1},
        {"20.00000000", CB_OK, 2000000000},
        {"00012.3400", CB_OK, 1234000000},
        {".5", CB_OK, 50000000},
        {"5.", CB_OK, 500000000},
        {"1e-8", CB_OK, 1},
        {"2.5E2", CB_OK, 25000000000},
        {"8400000", CB_OK, 840000000000000},
        {"0.000000001", CB_ERR_ARG, 0},
        {"1e-9", CB_ERR_ARG, 0},
        {"8400000.00000001", CB_ERR_TX_MONEY_RANGE, 0},
        {"99999999999999999999999", CB_ERR_TX_MONEY_RANGE, 0},
        {"-1", CB_ERR_ARG, 0},
        {"+1", CB_ERR_ARG, 0},
        {"", CB_ERR_ARG, 0},
        {".", CB_ERR_ARG, 0},
        {"1.2.3", CB_ERR_ARG, 0},
        {"1,5", CB_ERR_ARG, 0},
        {"abc", CB_ERR_ARG, 0},
        {"1e", CB_ERR_ARG, 0},
        {"1e999", CB_ERR_ARG, 0},
        {"0.10000000000000000555", CB_ERR_ARG, 0},
        {"1.50000000000000000000000", CB_OK, 150000000},
        {"10.", CB_OK, 1000000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t u = 12345;
        cb_err err = cb_amount_parse(cases[i].s, &u);
        if (err != cases[i].err)
            fail_msg("'%s': %s, expected %s", cases[i].s, cb_err_reason(err),
                     cb_err_reason(cases[i].err));
        if (err == CB_OK)
            assert_int_equal(u, cases[i].units);
    }
    char out[CB_AMOUNT_TEXT];
    cb_amount_format(out, 150000001);
    assert_string_equal(out, "1.50000001");
    cb_amount_format(out, CB_MAX_MONEY);
    assert_string_equal(out, "8400000.00000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
