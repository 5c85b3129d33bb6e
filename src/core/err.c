#include "core/err.h"

const char *cb_strerror(cb_err err)
{
    switch (err) {
#define CB_X_MSG(name, num, reason, msg)                                                           \
    case name:                                                                                     \
        return msg;
        CB_ERROR_LIST(CB_X_MSG)
#undef CB_X_MSG
    }
    return "unknown error";
}

const char *cb_err_reason(cb_err err)
{
    switch (err) {
#define CB_X_REASON(name, num, reason, msg)                                                        \
    case name:                                                                                     \
        return reason;
        CB_ERROR_LIST(CB_X_REASON)
#undef CB_X_REASON
    }
    return "unknown";
}
