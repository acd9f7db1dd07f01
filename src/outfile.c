/* outfile.c - writing output files without replacing what is not ours to
 * replace, atomically where that is possible, and cleaning up temporaries of
 * writers that died (outfile.h). */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define TMP_INFIX ".tmp."

/* The directory part of file ("." for a bare name, "/" at the root). */
static void directory_of(const char *file, char *dir, size_t size)
{
    const char *slash = strrchr(file, '/');
    if (!slash) snprintf(dir, size, ".");
    else snprintf(dir, size, "%.*s", slash == file ? 1 : (int)(slash - file), file);
}

static int fail_errno(const outfile *o, int err)
{
    return tn_fail(TN_ERR_WRITE, "%s%scannot write %s: %s", o->what ? o->what : "", o->what ? ": " : "", o->path,
                   strerror(err));
}

/* What writing path means (see outfile.h). */
typedef struct {
    enum { ATOMIC, IN_PLACE, OUR_STREAM, CANNOT } how;
    char *dest;    /* ATOMIC: the regular file to replace (path, or a link's target); owned */
    int exists;    /* ATOMIC: dest exists (a regular file) */
    mode_t mode;   /* ATOMIC and exists: its permissions */
    int fd;        /* OUR_STREAM: 1 or 2 */
    int err;       /* CANNOT (or ATOMIC without dest): why */
} destination;

/* The standard stream (1, 2) that is the same file as st, or -1. A name such
 * as /dev/stdout, when stdout is a regular file, must not be replaced by a
 * rename (the shell's file would lose what it had, `>>` its appending). */
static int same_as_stream(const struct stat *st)
{
    for (int fd = 1; fd <= 2; fd++) {
        struct stat s;
        if (fstat(fd, &s) == 0 && s.st_dev == st->st_dev && s.st_ino == st->st_ino) return fd;
    }
    return -1;
}

static destination classify(const char *path)
{
    destination d = {.how = CANNOT, .fd = -1};
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT) { d.err = errno; return d; }
        d.how = ATOMIC;
    } else if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
        d.how = IN_PLACE;   /* dangling: creating its target is all one can do */
    } else if (S_ISDIR(st.st_mode)) {
        d.err = EISDIR;
    } else if (!S_ISREG(st.st_mode)) {
        d.how = IN_PLACE;   /* a device, a FIFO, a socket: never replaced */
    } else if ((d.fd = same_as_stream(&st)) >= 0) {
        d.how = OUR_STREAM;
    } else {
        d.how = ATOMIC;
        d.exists = 1;
        d.mode = st.st_mode & 07777;
    }
    /* a regular file's real name is the link's target when path is a link */
    if (d.how == ATOMIC && !(d.dest = d.exists ? realpath(path, NULL) : strdup(path))) d.err = errno;
    return d;
}

static int open_fd(outfile *o, int fd)
{
    struct stat st;
    o->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (!(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        return fail_errno(o, e);
    }
    return TN_OK;
}

static int open_in_place(outfile *o)
{
    int fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    return fd < 0 ? fail_errno(o, errno) : open_fd(o, fd);
}

/* Our own stdout or stderr named by a path: written through a copy of the
 * descriptor, after what is buffered on it. */
static int open_stream(outfile *o, int stream)
{
    fflush(stream == 1 ? stdout : stderr);
    int fd = fcntl(stream, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? fail_errno(o, errno) : open_fd(o, fd);
}

static int open_temporary(outfile *o, const destination *d, int sweep)
{
    size_t len = strlen(o->dest) + sizeof TMP_INFIX + 24;
    if (!(o->tmp = tn_malloc(len))) return TN_ERR_MEMORY;
    snprintf(o->tmp, len, "%s" TMP_INFIX "%ld", o->dest, (long)getpid());
    if (sweep) outfile_remove_stale(o->dest);
    unlink(o->tmp);   /* only a dead process of our PID can have left one */
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return fail_errno(o, errno);
    if (d->exists) fchmod(fd, d->mode);       /* replacing a file keeps its permissions */
    flock(fd, LOCK_EX | LOCK_NB);             /* tells other nodes this writer lives; see outfile_remove_stale */
    o->regular = 1;
    if (!(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        return fail_errno(o, e);
    }
    return TN_OK;
}

static void release(outfile *o)
{
    free(o->dest);
    free(o->tmp);
    o->dest = o->tmp = NULL;
    o->f = NULL;
}

static int open_file(outfile *o, const char *path, const char *what, int sweep)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->what = what;
    destination d = classify(path);
    o->dest = d.dest;
    int status;
    if (d.how == CANNOT || (d.how == ATOMIC && !d.dest)) status = fail_errno(o, d.err);
    else if (d.how == IN_PLACE) status = open_in_place(o);
    else if (d.how == OUR_STREAM) status = open_stream(o, d.fd);
    else status = open_temporary(o, &d, sweep);
    if (status != TN_OK) release(o);
    return status;
}

int outfile_open(outfile *o, const char *path, const char *what) { return open_file(o, path, what, 1); }

/* Makes a rename durable: fsync of the directory holding file. Best effort
 * (some file systems refuse fsync on a directory; the data itself is synced). */
static void sync_directory_of(const char *file)
{
    char dir[PATH_MAX];
    directory_of(file, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int outfile_commit(outfile *o, int ok)
{
    int err = ok ? 0 : (errno ? errno : EIO);
    if (fflush(o->f) != 0 && !err) err = errno;
    if (!err && ferror(o->f)) err = EIO;
    if (!err && o->regular && fsync(fileno(o->f)) != 0) err = errno;
    if (fclose(o->f) != 0 && !err) err = errno;
    o->f = NULL;
    if (!err && o->tmp && rename(o->tmp, o->dest) != 0) err = errno;
    if (o->tmp) {
        if (err) unlink(o->tmp);
        else sync_directory_of(o->dest);
    }
    release(o);
    return err ? fail_errno(o, err) : TN_OK;
}

static int write_text(const char *path, const char *text, const char *what, int sweep)
{
    outfile o;
    CALL(open_file(&o, path, what, sweep));
    errno = 0;
    int ok = fputs(text, o.f) >= 0 && fputc('\n', o.f) != EOF;
    return outfile_commit(&o, ok);
}

int outfile_write_text(const char *path, const char *text, const char *what) { return write_text(path, text, what, 1); }

int outfile_write_one_of_many(const char *path, const char *text, const char *what)
{
    return write_text(path, text, what, 0);
}

int outfile_stdout(const char *text)
{
    errno = 0;
    if (fputs(text, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
        return tn_fail(TN_ERR_WRITE, "cannot write to standard output: %s", strerror(errno ? errno : EIO));
    return TN_OK;
}

/* The PID of a temporary named base.tmp.PID, or 0 if name is not one. */
static long temporary_pid(const char *name, const char *base)
{
    size_t blen = strlen(base), ilen = strlen(TMP_INFIX);
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, TMP_INFIX, ilen) != 0) return 0;
    const char *digits = name + blen + ilen;
    if (*digits < '1' || *digits > '9') return 0;
    char *end;
    errno = 0;
    long pid = strtol(digits, &end, 10);
    return *end || errno || pid > INT_MAX ? 0 : pid;
}

/* Whether the temporary at file was left by a writer that is gone. A PID
 * names a process on this node only: a writer on another node of a cluster
 * (the same checkpoint directory after a requeue) may have a PID that is free
 * here, so a live writer also holds an flock on its temporary, and a file
 * whose lock is held is kept. Where the file system has no locks, the PID
 * alone decides. */
static int writer_is_gone(const char *file, long pid)
{
    if (pid == (long)getpid()) return 0;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) return 0;   /* alive, or not ours to judge (EPERM) */
    int fd = open(file, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return !held;
}

int outfile_remove_stale(const char *path)
{
    destination dest = classify(path);
    if (dest.how != ATOMIC || !dest.dest) return 0;
    const char *slash = strrchr(dest.dest, '/');
    const char *base = slash ? slash + 1 : dest.dest;
    char dir[PATH_MAX];
    directory_of(dest.dest, dir, sizeof dir);
    int removed = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        long pid = temporary_pid(e->d_name, base);
        if (!pid) continue;
        char file[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        if (lstat(file, &st) == 0 && S_ISREG(st.st_mode) && writer_is_gone(file, pid) && unlink(file) == 0) removed++;
    }
    if (d) closedir(d);
    free(dest.dest);
    return removed;
}
