/* Options: the command line and the file, the shared number and port
 * parsers, the data directory, and the one place options become a
 * daemon's configuration (every refusal with a message that names the
 * option). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/daemon.h"
#include "app/options.h"

static void test_parsers(void **state)
{
    (void)state;
    uint16_t port = 7;
    assert_int_equal(cb_parse_port("18833", &port), 0);
    assert_int_equal(port, 18833);
    const char *bad_ports[] = {"0", "65536", "-1", "+80", " 80", "80 ", "8o", "", "99999999999999"};
    for (size_t i = 0; i < sizeof bad_ports / sizeof *bad_ports; i++) {
        port = 7;
        assert_int_equal(cb_parse_port(bad_ports[i], &port), -1);
        assert_int_equal(port, 7);
    }
    /* A port to listen on may also be 0: any free one. */
    assert_int_equal(cb_parse_listen_port("0", &port), 0);
    assert_int_equal(port, 0);
    assert_int_equal(cb_parse_listen_port("65535", &port), 0);
    assert_int_equal(port, 65535);
    for (size_t i = 1; i < sizeof bad_ports / sizeof *bad_ports; i++) {
        port = 7;
        assert_int_equal(cb_parse_listen_port(bad_ports[i], &port), -1);
        assert_int_equal(port, 7);
    }
    long v = 0;
    assert_int_equal(cb_parse_long("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(cb_parse_long("11", -10, 10, &v), -1);
    assert_int_equal(cb_parse_long("0x10", 0, 100, &v), -1);
    assert_int_equal(cb_parse_long("9223372036854775808", 0, 100, &v), -1);
    assert_int_equal(cb_parse_long(NULL, 0, 100, &v), -1);
}

static void argv_options(cb_options *o, int argc, char **argv)
{
    char msg[256];
    int first = 0;
    memset(o, 0, sizeof *o);
    assert_int_equal(cb_options_from_argv(o, argc, argv, &first, msg, sizeof msg), 0);
    assert_int_equal(first, argc);
}

static void test_argv_file_and_limits(void **state)
{
    (void)state;
    char path[] = "/tmp/cb-test-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# a comment\n\nrpcport=1000\nregtest=1\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cb_options file, cmd;
    char msg[256];
    memset(&file, 0, sizeof file);
    assert_int_equal(cb_options_from_file(&file, path, false, msg, sizeof msg), 0);
    char *argv[] = {"coinbitd", "-rpcport=2000", "-debug"};
    argv_options(&cmd, 3, argv);
    assert_int_equal(cb_options_append(&file, &cmd, msg, sizeof msg), 0);
    assert_string_equal(cb_options_get(&file, "rpcport"), "2000"); /* the command line wins */
    bool b = false;
    assert_int_equal(cb_options_bool(&file, "debug", false, &b), 0);
    assert_true(b);
    unlink(path);
    assert_int_equal(cb_options_from_file(&file, path, false, msg, sizeof msg), -1);
    assert_int_equal(cb_options_from_file(&file, path, true, msg, sizeof msg), 0);
    /* More options than fit is an error, never a silent cut. */
    static char *many[CB_MAX_OPTIONS + 2];
    static char text_of[CB_MAX_OPTIONS + 2][16];
    many[0] = "coinbitd";
    for (int i = 1; i < CB_MAX_OPTIONS + 2; i++) {
        snprintf(text_of[i], sizeof text_of[i], "-addnode=%d", i);
        many[i] = text_of[i];
    }
    cb_options big;
    int first;
    memset(&big, 0, sizeof big);
    assert_int_equal(cb_options_from_argv(&big, CB_MAX_OPTIONS + 2, many, &first, msg, sizeof msg),
                     -1);
    assert_non_null(strstr(msg, "too many"));
}

static void test_datadir(void **state)
{
    (void)state;
    cb_options o;
    char base[256], dir[256], msg[128];
    char *argv[] = {"x", "-datadir=/srv/cb"};
    argv_options(&o, 2, argv);
    assert_int_equal(
        cb_options_datadir(&o, true, base, sizeof base, dir, sizeof dir, msg, sizeof msg), 0);
    assert_string_equal(base, "/srv/cb");
    assert_string_equal(dir, "/srv/cb/regtest");
    assert_int_equal(cb_options_datadir(&o, false, NULL, 0, dir, sizeof dir, msg, sizeof msg), 0);
    assert_string_equal(dir, "/srv/cb");
    char small[8];
    assert_int_equal(cb_options_datadir(&o, true, NULL, 0, small, sizeof small, msg, sizeof msg),
                     -1);
    argv_options(&o, 1, argv);
    setenv("HOME", "/home/learner", 1);
    assert_int_equal(cb_options_datadir(&o, false, NULL, 0, dir, sizeof dir, msg, sizeof msg), 0);
    assert_string_equal(dir, "/home/learner/.coinbit");
}

static int config_of(cb_daemon_config *cfg, char *msg, size_t msglen, int argc, char **argv)
{
    cb_options o;
    argv_options(&o, argc, argv);
    return cb_daemon_config_from_options(cfg, &o, msg, msglen);
}

static void test_daemon_config(void **state)
{
    (void)state;
    static cb_daemon_config cfg;
    char msg[256];
    char *plain[] = {"coinbitd", "-regtest", "-datadir=/tmp/d"};
    assert_int_equal(config_of(&cfg, msg, sizeof msg, 3, plain), 0);
    assert_string_equal(cfg.node.params->name, "regtest");
    assert_string_equal(cfg.node.datadir, "/tmp/d/regtest");
    assert_string_equal(cfg.rpc.cookie_dir, "/tmp/d/regtest");
    assert_int_equal(cfg.rpc.port, cb_params_regtest()->rpc_port);
    assert_int_equal(cfg.net.port, cb_params_regtest()->p2p_port); /* the network's own */
    assert_string_equal(cfg.rpc.bind, "127.0.0.1");
    assert_true(cfg.network && cfg.net.listen);
    assert_int_equal(cfg.net.max_outbound, 8);
    assert_int_equal(cfg.net.max_inbound, 117);
    assert_true(cfg.node.minethreads >= 1 && cfg.node.minethreads <= 64);
    assert_false(cfg.node.mine);

    char *net[] = {"coinbitd",  "-connect=0", "-addnode=127.0.0.1:5", "-maxconnections=5",
                   "-listen=0", "-port=4000", "-bantime=60"};
    assert_int_equal(config_of(&cfg, msg, sizeof msg, 7, net), 0);
    assert_true(cfg.net.connect_only);
    assert_int_equal(cfg.net.nconnect, 0);
    assert_int_equal(cfg.net.naddnode, 1);
    assert_int_equal(cfg.net.max_outbound, 5);
    assert_int_equal(cfg.net.max_inbound, 0);
    assert_false(cfg.net.listen);
    assert_int_equal(cfg.net.port, 4000);
    assert_int_equal(cfg.net.bantime, 60);

    char *any[] = {"coinbitd", "-regtest", "-port=0", "-rpcport=0"};
    assert_int_equal(config_of(&cfg, msg, sizeof msg, 4, any), 0);
    assert_int_equal(cfg.net.port, 0);
    assert_int_equal(cfg.rpc.port, 0);

    assert_int_equal(cfg.rpc.cookie_mode, 0600);
    char *perms[] = {"coinbitd", "-rpccookieperms=group"};
    assert_int_equal(config_of(&cfg, msg, sizeof msg, 2, perms), 0);
    assert_int_equal(cfg.rpc.cookie_mode, 0640);

    char *creds[] = {"coinbitd", "-rpcuser=u", "-rpcpassword=p"};
    assert_int_equal(config_of(&cfg, msg, sizeof msg, 3, creds), 0);
    assert_string_equal(cfg.rpc.user, "u");
    assert_string_equal(cfg.rpc.password, "p");

    /* Each refusal names its option. */
    struct {
        const char *arg, *named;
    } bad[] = {
        {"-rpcport=-1", "-rpcport"},
        {"-port=70000", "-port"},
        {"-minethreads=65", "-minethreads"},
        {"-minethreads=two", "-minethreads"},
        {"-maxconnections=-1", "-maxconnections"},
        {"-bantime=0", "-bantime"},
        {"-mine", "-mineto"},
        {"-mineto=notanaddress", "-mineto"},
        {"-minerimpl=quantum", "-minerimpl"},
        {"-rpcuser=only", "-rpcpassword"},
        {"-rpcuser=a:b", "-rpcuser"},
        {"-regtest=maybe", "-regtest"},
        {"-listen=2", "-listen"},
        {"-rpccookieperms=world", "-rpccookieperms"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[] = {"coinbitd", (char *)bad[i].arg};
        if (strcmp(bad[i].arg, "-rpcuser=a:b") == 0) {
            char *argv3[] = {"coinbitd", "-rpcuser=a:b", "-rpcpassword=p"};
            assert_int_equal(config_of(&cfg, msg, sizeof msg, 3, argv3), -1);
        } else {
            assert_int_equal(config_of(&cfg, msg, sizeof msg, 2, argv), -1);
        }
        if (!strstr(msg, bad[i].named))
            fail_msg("%s: message '%s' does not name %s", bad[i].arg, msg, bad[i].named);
    }
    /* Too many -addnode for the table: an error, not a drop. */
    static char *adds[CB_NET_MAX_MANUAL + 2];
    static char add_text[CB_NET_MAX_MANUAL + 2][32];
    adds[0] = "coinbitd";
    for (int i = 1; i < CB_NET_MAX_MANUAL + 2; i++) {
        snprintf(add_text[i], sizeof add_text[i], "-addnode=10.0.0.%d:1", i);
        adds[i] = add_text[i];
    }
    assert_int_equal(config_of(&cfg, msg, sizeof msg, CB_NET_MAX_MANUAL + 2, adds), -1);
    assert_non_null(strstr(msg, "-addnode"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_argv_file_and_limits),
        cmocka_unit_test(test_datadir),
        cmocka_unit_test(test_daemon_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
