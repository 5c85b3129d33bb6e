/* The web view's static files, compiled in (cmake/embed.cmake writes the
 * table from src/web/static at build time). */
#ifndef CB_WEB_WEB_ASSETS_H
#define CB_WEB_WEB_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path; /* "/static/app.js", ...; NULL ends the table */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
} cb_web_asset;

extern const cb_web_asset cb_web_assets[];

#endif
