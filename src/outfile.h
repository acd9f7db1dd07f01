/* outfile.h - every file tnemu writes goes through here: results (-o),
 * reports, emitted circuits, sweep files, checkpoints, and standard output.
 *
 * What a destination gets depends on what it is:
 *   - a regular file, or nothing yet: the bytes go to PATH.tmp.PID beside it,
 *     which is flushed, fsync'ed and renamed over PATH, so a reader (or a
 *     kill -9) never sees half a file;
 *   - a symbolic link to a regular file: the same, beside the link's target
 *     (the link stays a link and its target gets the bytes);
 *   - our own stdout or stderr under another name (/dev/stdout when stdout
 *     is a file, even one opened with >>): written through that stream;
 *   - anything else (a character or block device such as /dev/null, a FIFO, a
 *     dangling symbolic link): written in place, never replaced.
 * Temporaries PATH.tmp.PID left by processes that died mid-write (kill -9,
 * a node lost) are removed by the next writer of PATH (outfile_remove_stale).
 * Every failure is TN_ERR_WRITE (exit status 1) with a one-line message.
 * Not for: reading files, or what is written (the callers format it). */
#ifndef TN_OUTFILE_H
#define TN_OUTFILE_H

#include <stdio.h>

typedef struct {
    FILE *f;            /* write here between outfile_open and outfile_commit */
    const char *path;   /* as the caller named it (for messages) */
    const char *what;   /* message prefix, e.g. "option --checkpoint"; NULL: none */
    char *dest;         /* where the bytes end up: path, or a symlink's resolved target */
    char *tmp;          /* the temporary beside dest; NULL when written in place */
    int regular;        /* the bytes land in a regular file: fsync them */
} outfile;

/* Opens path for writing as described above (a FIFO waits for its reader).
 * what prefixes the error message. Returns TN_OK or TN_ERR_WRITE /
 * TN_ERR_MEMORY; on failure nothing is left open or created. */
int outfile_open(outfile *o, const char *path, const char *what);

/* Call right after the last write (it reads errno when ok is 0): flushes,
 * fsyncs, closes and renames the temporary over the destination. ok = 0 says
 * an earlier write failed: the temporary is removed and the destination left
 * as it was. Returns TN_OK or TN_ERR_WRITE naming the path and the reason. */
int outfile_commit(outfile *o, int ok);

/* Writes text plus a newline to path (outfile_open + outfile_commit). */
int outfile_write_text(const char *path, const char *text, const char *what);

/* The same for one of many files a run writes into one folder (adapters
 * --emit): without the sweep for stale temporaries, which reads the whole
 * folder and would make N files cost N^2 (10,000 circuits: 26 s against 6 s). */
int outfile_write_one_of_many(const char *path, const char *text, const char *what);

/* Writes text plus a newline to standard output and flushes it; TN_ERR_WRITE
 * naming the reason (e.g. stdout redirected to a full disk). */
int outfile_stdout(const char *text);

/* Removes path.tmp.PID files (regular files named exactly so, PID all digits)
 * whose process is gone: kill(PID, 0) says ESRCH and no live process holds the
 * file's lock (a writer on another node of a cluster holds one). Returns the
 * number removed; never fails. */
int outfile_remove_stale(const char *path);

#endif
