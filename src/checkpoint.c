/* checkpoint.c - the checkpoint file, its atomic write, its checks, and the
 * collective decision of when to write one (checkpoint.h). */
#include "checkpoint.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"
#include "outfile.h"
#include "input.h"

#define MAGIC "TNEMUCKP"
#define FILE_NAME "checkpoint.tnck"

static volatile sig_atomic_t signalled;   /* the first SIGUSR1 or SIGTERM received, else 0 */

static void on_signal(int sig)
{
    if (!signalled) signalled = sig;
}

void checkpoint_install_signals(void)
{
    static int installed;
    if (installed) return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* a signal must not fail a read or write in progress */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int checkpoint_signalled(void) { return signalled; }

void checkpoint_wait_for_signal(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    fprintf(stderr, "tnemu: waiting for a signal (TNEMU_INJECT=pause)\n");
    fflush(stderr);
    sigset_t wait = old;
    sigdelset(&wait, SIGUSR1);
    sigdelset(&wait, SIGTERM);
    while (!signalled) sigsuspend(&wait);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int checkpoint_due(const checkpoint_options *o, MPI_Comm world, int failed, int *stop, int *failed_any)
{
    static double last;
    *stop = 0;
    *failed_any = failed;
    if (!o->dir) return 0;
    if (last == 0) last = now();
    int rank = 0;
    MPI_Comm_rank(world, &rank);
    int flags[3] = {signalled ? 1 : 0, rank == 0 && o->every > 0 && now() - last >= o->every, failed != 0};
    MPI_Allreduce(MPI_IN_PLACE, flags, 3, MPI_INT, MPI_MAX, world);
    *failed_any = flags[2];
    if (flags[2] || (!flags[0] && !flags[1])) return 0;
    *stop = flags[0];
    last = now();
    return 1;
}

unsigned long long checkpoint_fnv(unsigned long long h, const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Writes all of buf or fails; the checksum runs over what is written. */
static int put(FILE *f, const void *buf, size_t len, unsigned long long *h)
{
    *h = checkpoint_fnv(*h, buf, len);
    return fwrite(buf, 1, len, f) == len ? 0 : -1;
}

int checkpoint_write(const checkpoint_options *o, json_t *identity, json_t *position, const char *payload, size_t len)
{
    if (mkdir(o->dir, 0777) != 0 && errno != EEXIST)
        return tn_fail(TN_ERR_WRITE, "option --checkpoint: cannot create directory %s: %s", o->dir, strerror(errno));
    json_t *header = json_pack("{s:O, s:O}", "identity", identity, "position", position);
    char *text = header ? json_dumps(header, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(header);
    if (!text) return tn_fail(TN_ERR_MEMORY, "out of memory writing a checkpoint");
    char path[4096];
    snprintf(path, sizeof path, "%s/" FILE_NAME, o->dir);
    outfile out;
    int status = outfile_open(&out, path, "option --checkpoint");
    if (status != TN_OK) {
        free(text);
        return status;
    }
    FILE *f = out.f;
    unsigned long long h = CHECKPOINT_FNV_START;
    uint32_t version = CHECKPOINT_VERSION, hlen = (uint32_t)strlen(text);
    uint64_t plen = len;
    errno = 0;
    int bad = put(f, MAGIC, 8, &h) | put(f, &version, 4, &h) | put(f, &hlen, 4, &h) | put(f, text, hlen, &h) |
              put(f, &plen, 8, &h) | (len ? put(f, payload, len / 2, &h) : 0);
    if (tn_inject("checkpoint-kill", 0)) {   /* tests: die halfway through the write, as kill -9 would */
        fflush(f);
        raise(SIGKILL);
    }
    bad |= len ? put(f, payload + len / 2, len - len / 2, &h) : 0;
    uint64_t sum = h;
    bad |= fwrite(&sum, 1, 8, f) != 8;
    free(text);
    return outfile_commit(&out, !bad);
}

void checkpoint_remove_stale(const checkpoint_options *o)
{
    const char *dirs[2] = {o->dir, o->resume};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/" FILE_NAME, dirs[i]);
        outfile_remove_stale(path);
    }
}

/* Names the first key whose value differs between the two identities. */
static int compare_identity(const char *path, json_t *saved, json_t *mine)
{
    const char *key;
    json_t *v;
    json_object_foreach(mine, key, v) {
        json_t *w = json_object_get(saved, key);
        if (w && json_equal(v, w)) continue;
        char *a = w ? json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("(absent)");
        char *b = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        int status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint was written with %s = %.80s, this run has %.80s", path,
                             key, a ? a : "?", b ? b : "?");
        free(a);
        free(b);
        return status;
    }
    return TN_OK;
}

int checkpoint_parse(const char *path, const char *all, size_t size, json_t *identity, json_t **position,
                     char **payload, size_t *len)
{
    *position = NULL;
    *payload = NULL;
    *len = 0;
    if (size < 32) return tn_fail(TN_ERR_INPUT, "%s: not a tnemu checkpoint (too short)", path);
    uint32_t version, hlen;
    uint64_t plen = 0, sum;
    memcpy(&version, all + 8, 4);
    memcpy(&hlen, all + 12, 4);
    int status = TN_OK;
    if (memcmp(all, MAGIC, 8) != 0) status = tn_fail(TN_ERR_INPUT, "%s: not a tnemu checkpoint (bad magic)", path);
    else if (version != CHECKPOINT_VERSION)
        status = tn_fail(TN_ERR_INPUT, "%s: checkpoint format version %u; this tnemu reads version %d", path, version,
                         CHECKPOINT_VERSION);
    else if ((size_t)hlen > size - 32)   /* magic, version, lengths and checksum take 32 bytes */
        status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint is truncated", path);
    if (status == TN_OK) {
        memcpy(&plen, all + 16 + hlen, 8);
        if (plen != size - 32 - (size_t)hlen)   /* compared without adding: a huge plen cannot wrap */
            status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint is truncated or has trailing bytes", path);
    }
    if (status == TN_OK) {
        memcpy(&sum, all + size - 8, 8);
        if (checkpoint_fnv(CHECKPOINT_FNV_START, all, size - 8) != sum)
            status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint's checksum does not match (corrupt file)", path);
    }
    json_t *header = NULL;
    if (status == TN_OK) {
        json_error_t err;
        header = json_loadb(all + 16, hlen, 0, &err);
        if (!header) status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint header is not JSON: %s", path, err.text);
    }
    if (status == TN_OK && !json_is_object(json_object_get(header, "position")))
        status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint header has no position", path);
    if (status == TN_OK) status = compare_identity(path, json_object_get(header, "identity"), identity);
    if (status == TN_OK) {
        *position = json_incref(json_object_get(header, "position"));
        *len = (size_t)plen;
        *payload = tn_malloc(*len + 1);
        if (!*payload) status = TN_ERR_MEMORY;
        else memcpy(*payload, all + 16 + hlen + 8, *len);
    }
    json_decref(header);
    if (status) { json_decref(*position); *position = NULL; free(*payload); *payload = NULL; *len = 0; }
    return status;
}

int checkpoint_read(const char *dir, json_t *identity, json_t **position, char **payload, size_t *len)
{
    *position = NULL;
    *payload = NULL;
    *len = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/" FILE_NAME, dir);
    FILE *f = input_open(path);
    if (!f) return tn_fail(errno == EISDIR ? TN_ERR_INPUT : TN_ERR_IO, "option --resume: cannot read %s: %s", path,
                           strerror(errno));
    char *all = NULL;
    size_t size = 0;
    int status = input_read_stream(f, path, &all, &size);
    fclose(f);
    if (status == TN_OK) status = checkpoint_parse(path, all, size, identity, position, payload, len);
    free(all);
    return status;
}
