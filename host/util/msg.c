/* SPDX-License-Identifier: MIT */
/*
 * msg.c - the library's messages (configuration errors, refused files,
 * unknown file versions, lock time-outs) go to one place: the application's
 * callback when it set one (mmioExtSetMessageCallback, in core/errors.c),
 * else stderr.
 */
#include "util.h"

#include "mmio_plugin.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static MMIOMESSAGEPROC *msg_cb;
static void *msg_ctx;

void mmio_msg_set_sink(MMIOMESSAGEPROC *cb, void *ctx)
{
    pthread_mutex_lock(&msg_lock);
    msg_cb = cb;
    msg_ctx = ctx;
    pthread_mutex_unlock(&msg_lock);
}

/* The last message said on this thread (not a trace line). */
static _Thread_local char last[1024];

const char *mmio_msg_last(void)
{
    return last;
}

void mmio_msg(const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (strncmp(text, "debug: ", 7) != 0)
        snprintf(last, sizeof last, "%.1023s", text);
    /* The callback is the application's code: it runs without the lock
     * (a callback may well set another callback). */
    pthread_mutex_lock(&msg_lock);
    MMIOMESSAGEPROC *cb = msg_cb;
    void *ctx = msg_ctx;
    pthread_mutex_unlock(&msg_lock);
    if (cb)
        cb(text, ctx);
    else
        fprintf(stderr, "libmmio: %s\n", text);
}

void mmio_fourcc_text(FOURCC fcc, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(fcc >> (8 * i));
        out[i] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    }
    out[4] = '\0';
}

const char *mmio_message_name(UINT msg, char *buf, size_t cap)
{
    static const char *const names[] = {"READ",  "WRITE",      "SEEK",  "OPEN",
                                        "CLOSE", "WRITEFLUSH", "RENAME"};
    if (msg < sizeof names / sizeof names[0])
        return names[msg];
    if (msg == MMIOM_CAPS)
        return "CAPS";
    snprintf(buf, cap, msg >= MMIOM_USER ? "USER+%u" : "0x%x",
             msg >= MMIOM_USER ? msg - MMIOM_USER : msg);
    return buf;
}
