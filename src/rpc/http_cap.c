#include "rpc/http_cap.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

struct cb_http_cap {
    struct event_base *base;
    struct evconnlistener *listener;
    evutil_socket_t listen_fd;
    uint16_t port;
    cb_logger *log;
    const char *what;
    size_t max, live, opened_since;
    bool paused;
    struct event *resume_ev;
    /* The sockets seen by one count (a bufferevent has two events on one
     * socket: counted once). */
    evutil_socket_t *seen;
    size_t nseen, cap_seen;
};

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
                                           : ((const struct sockaddr_in *)ss)->sin_port);
}

/* One event of the loop: a connected socket on our port is one of ours. */
static int count_one(const struct event_base *base, const struct event *ev, void *arg)
{
    cb_http_cap *c = arg;
    (void)base;
    evutil_socket_t fd = event_get_fd(ev);
    if (fd < 0 || fd == c->listen_fd || !(event_get_events(ev) & (EV_READ | EV_WRITE)))
        return 0;
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i] == fd)
            return 0;
    struct sockaddr_storage local, peer;
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) != 0 || port_of(&local) != c->port)
        return 0;
    c->seen[c->nseen++] = fd;
    return c->nseen == c->cap_seen; /* enough: stop */
}

uint16_t cb_http_cap_port(const cb_http_cap *c)
{
    return c->port;
}

size_t cb_http_cap_count(cb_http_cap *c)
{
    c->nseen = 0;
    event_base_foreach_event(c->base, count_one, c);
    c->live = c->nseen;
    c->opened_since = 0;
    return c->nseen;
}

/* Called by evhttp for each connection it accepts (its socket is not on
 * the loop yet). At the cap the listener pauses; a timer resumes it. */
static struct bufferevent *new_connection(struct event_base *base, void *arg)
{
    cb_http_cap *c = arg;
    if (c->live + ++c->opened_since >= c->max && !c->paused && cb_http_cap_count(c) + 1 >= c->max) {
        evconnlistener_disable(c->listener);
        c->paused = true;
        struct timeval second = {1, 0};
        event_add(c->resume_ev, &second);
        cb_log(c->log, "%s: %zu connections open; accepting more once some close", c->what, c->max);
    }
    return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void resume_accepting(evutil_socket_t fd, short what, void *arg)
{
    cb_http_cap *c = arg;
    (void)fd;
    (void)what;
    if (cb_http_cap_count(c) < c->max - c->max / 8) {
        evconnlistener_enable(c->listener);
        c->paused = false;
        return;
    }
    struct timeval second = {1, 0};
    event_add(c->resume_ev, &second);
}

cb_http_cap *cb_http_cap_new(struct evhttp *http, struct evhttp_bound_socket *bound,
                             struct event_base *base, size_t max, cb_logger *log, const char *what)
{
    cb_http_cap *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base = base;
    c->listen_fd = evhttp_bound_socket_get_fd(bound);
    c->listener = evhttp_bound_socket_get_listener(bound);
    c->log = log;
    c->what = what;
    c->max = max < 2 ? 2 : max;
    c->cap_seen = 2 * c->max;
    c->seen = calloc(c->cap_seen, sizeof *c->seen);
    c->resume_ev = event_new(base, -1, 0, resume_accepting, c);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (!c->seen || !c->resume_ev || getsockname(c->listen_fd, (struct sockaddr *)&ss, &sl) != 0) {
        cb_http_cap_free(c);
        return NULL;
    }
    c->port = port_of(&ss);
    evhttp_set_bevcb(http, new_connection, c);
    return c;
}

void cb_http_cap_free(cb_http_cap *c)
{
    if (!c)
        return;
    if (c->resume_ev)
        event_free(c->resume_ev);
    free(c->seen);
    free(c);
}
