/* SPDX-License-Identifier: MIT */
/*
 * writer.h - writes of a remote object, published whole at close.
 *
 * What is written goes to a spool, an unnamed local temporary (nothing
 * is left behind by a killed process), so seeks back and rewrites (a
 * RIFF writer patching its sizes) cost nothing remote.  Over HTTP the PUT
 * (WebDAV) is sent as the file is written (putstream.h) and ends at
 * close; a write into what was sent already abandons it and the spool
 * is PUT whole at close.  On S3 the spool goes at close in one PUT when
 * it is small, else as a multipart upload.  Parts (`part=`
 * MiB, 8 by default, at least 5) are uploaded while the file is written
 * (parts.h: several at once, never stopping the writer but for a free
 * slot), each once the writer is a part past it (the first part waits for
 * close: headers are patched there); a part written again after its upload goes
 * again at close.  A failed part or close aborts the upload: there is
 * never a partial object, and a killed process leaves an unfinished
 * upload that S3 never shows (a bucket's lifecycle rule removes it).
 * mmioFlush hands the buffer over and waits for the parts that are due;
 * the object appears at mmioClose, whose result says whether it did.
 */
#ifndef MMIO_REMOTE_WRITER_H
#define MMIO_REMOTE_WRITER_H

#include "object.h"
#include "parts.h"
#include "putstream.h"

struct part {
    char etag[128];
    int state; /* PART_NEW, PART_SENT, PART_STALE, PART_SENDING */
    int again; /* written while it was being sent: stale when it is */
};

enum { PART_NEW, PART_SENT, PART_STALE, PART_SENDING };

struct writer {
    int fd; /* the spool */
    int64_t size;
    int64_t part_size;
    struct part *parts;
    int nparts;
    char *upload_id;        /* a multipart upload under way, or NULL */
    struct parts parts_out; /* its parts in flight */
    struct putstream live;  /* HTTP: the PUT sent while writing ... */
    int streaming;          /* ... while it is one */
    MMRESULT failed;        /* the first failure: close then aborts */
};

/* A writer for o; with `existing` the object's bytes are fetched first
 * (a write open without MMIO_CREATE changes the object, as a local file
 * is changed in place).  0 or an MMIOERR_ code. */
MMRESULT writer_init(struct writer *w, struct object *o, int existing);
/* Writes n bytes at `at`: n, or -1 with a message. */
long writer_write(struct writer *w, struct object *o, int64_t at,
                  const char *src, long n);
/* Reads back (MMIO_READWRITE): the count, or -1. */
long writer_read(struct writer *w, int64_t at, char *dst, long n);
/* Waits for the parts that are due to be on the server: 0 or an
 * MMIOERR_ code. */
MMRESULT writer_flush(struct writer *w, struct object *o);
/* Publishes the object (or, when anything failed, aborts): 0 or an
 * MMIOERR_ code; the writer is freed either way. */
MMRESULT writer_close(struct writer *w, struct object *o);

#endif /* MMIO_REMOTE_WRITER_H */
