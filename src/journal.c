/* journal.c - the task journal of qnn, adapters and batch (see journal.h).
 * Not for: `tnemu run`'s state checkpoints (checkpoint.c). */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "error.h"
#include "input.h"
#include "outfile.h"

#define JOURNAL_MAGIC "tnemu journal 1"
#define PART_MAGIC "tnemu journal part 1"
#define PART_PREFIX "journal.part."

struct journal {
    char *path;                 /* DIR/journal */
    char *identity;
    long ntasks, done;
    char **rec;                 /* ntasks; NULL: not done */
};

/* ---- identity ------------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

#define FNV_START 0xcbf29ce484222325ull

/* Options that do not change a job's results, and whether they take a value. */
static int neutral_option(const char *a, int *valued)
{
    static const char *const with_value[] = {"-o", "--output", "--checkpoint", "--resume", "--progress", "--groups",
                                             "--max-memory", NULL};
    *valued = 0;
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) return 1;
    for (int k = 0; with_value[k]; k++)
        if (strcmp(a, with_value[k]) == 0) return *valued = 1;
    return 0;
}

int journal_identity(const char *command, const char *input_path, int argc, char **argv, char **out)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    CALL(input_read_file(input_path, &text, &len));
    uint64_t input_hash = fnv1a(FNV_START, text, len), opt_hash = FNV_START;
    free(text);
    for (int i = 2; i < argc; i++) {
        int valued;
        if (neutral_option(argv[i], &valued)) { i += valued; continue; }
        if (strcmp(argv[i], input_path) == 0) continue;   /* its bytes count, not its name */
        opt_hash = fnv1a(opt_hash, argv[i], strlen(argv[i]) + 1);
    }
    size_t cap = strlen(command) + 64;
    if (!(*out = tn_malloc(cap))) return TN_ERR_MEMORY;
    snprintf(*out, cap, "%s %016" PRIx64 " %016" PRIx64, command, input_hash, opt_hash);
    return TN_OK;
}

/* ---- the journal file ---------------------------------------------------- */

void journal_destroy(journal **j)
{
    if (!j || !*j) return;
    for (long t = 0; (*j)->rec && t < (*j)->ntasks; t++) free((*j)->rec[t]);
    free((*j)->rec);
    free((*j)->path);
    free((*j)->identity);
    free(*j);
    *j = NULL;
}

const char *journal_record(const journal *j, long t) { return j && t >= 0 && t < j->ntasks ? j->rec[t] : NULL; }

long journal_done(const journal *j) { return j ? j->done : 0; }

int journal_set(journal *j, long t, const char *text)
{
    char *copy = strdup(text);
    if (!copy) return tn_fail(TN_ERR_MEMORY, "out of memory recording task %ld in the journal", t);
    if (!j->rec[t]) j->done++;
    free(j->rec[t]);
    j->rec[t] = copy;
    return TN_OK;
}

/* The "identity X" and "tasks N" header lines of a journal or a part must name this job. */
static int check_job(const journal *j, const char *dir, const char *ident, long tasks)
{
    if (strcmp(ident, j->identity) == 0 && tasks == j->ntasks) return TN_OK;
    return tn_fail(TN_ERR_INPUT, "option --resume: the journal in %s is of another job (%s, %ld tasks; this job: "
                   "%s, %ld tasks): the input file or an option that changes results differs", dir, ident, tasks,
                   j->identity, j->ntasks);
}

/* One "t text" record line (line number lineno of path) into j. */
static int read_record(journal *j, const char *path, long lineno, const char *line)
{
    char *end;
    errno = 0;
    long t = strtol(line, &end, 10);
    if (end == line || *end != ' ' || errno || t < 0 || t >= j->ntasks)
        return tn_fail(TN_ERR_INPUT, "%s:%ld:1: expected a task index in [0, %ld) and its result", path, lineno,
                       j->ntasks);
    return journal_set(j, t, end + 1);
}

/* Reads the records of an existing journal (the identity must match). */
static int journal_read(journal *j, const char *dir)
{
    char *text = NULL;
    size_t len = 0;
    int status = input_read_file(j->path, &text, &len);
    if (status) {
        tn_clear_error();
        return tn_fail(TN_ERR_IO, "option --resume: %s has no journal to resume (%s)", dir, j->path);
    }
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    long tasks = -1;
    char ident[512] = "";
    if (!line || strcmp(line, JOURNAL_MAGIC) != 0) status = tn_fail(TN_ERR_INPUT, "%s:1:1: not a tnemu journal", j->path);
    if (status == TN_OK && (!(line = strtok_r(NULL, "\n", &save)) || strncmp(line, "identity ", 9) != 0))
        status = tn_fail(TN_ERR_INPUT, "%s:2:1: expected 'identity ...'", j->path);
    if (status == TN_OK) snprintf(ident, sizeof ident, "%s", line + 9);
    if (status == TN_OK && (!(line = strtok_r(NULL, "\n", &save)) || sscanf(line, "tasks %ld", &tasks) != 1))
        status = tn_fail(TN_ERR_INPUT, "%s:3:1: expected 'tasks N'", j->path);
    if (status == TN_OK) status = check_job(j, dir, ident, tasks);
    for (long lineno = 4; status == TN_OK && (line = strtok_r(NULL, "\n", &save)); lineno++)
        status = read_record(j, j->path, lineno, line);
    free(text);
    return status;
}

/* ---- parts: records appended by group leaders as their tasks finish ------- */

struct journal_part {
    int fd;
    char *path;
};

/* DIR/journal.part.R -> 1 (a part's name), else 0. */
static int is_part_name(const char *name)
{
    size_t n = strlen(PART_PREFIX);
    if (strncmp(name, PART_PREFIX, n) != 0 || !name[n]) return 0;
    for (const char *c = name + n; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    return 1;
}

/* Calls fn(j, dir, path) for every part in dir; stops at the first failure. */
static int for_each_part(journal *j, const char *dir, int (*fn)(journal *, const char *, const char *))
{
    DIR *d = opendir(dir);
    int status = TN_OK;
    for (struct dirent *e; d && status == TN_OK && (e = readdir(d));) {
        if (!is_part_name(e->d_name)) continue;
        size_t cap = strlen(dir) + strlen(e->d_name) + 2;
        char *path = tn_malloc(cap);
        if (!path) { status = TN_ERR_MEMORY; break; }
        snprintf(path, cap, "%s/%s", dir, e->d_name);
        status = fn(j, dir, path);
        free(path);
    }
    if (d) closedir(d);
    return status;
}

/* Merges one part's complete lines into j (a last line without its newline
 * was cut short by a kill: its task is not done). */
static int merge_part(journal *j, const char *dir, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (input_read_file(path, &text, &len) != TN_OK) {
        tn_clear_error();
        return tn_fail(TN_ERR_IO, "option --resume: cannot read %s", path);
    }
    char *line = text, *nl, *ident = NULL;
    long lineno = 1, tasks = -1;
    int status = TN_OK;
    for (; status == TN_OK && (nl = memchr(line, '\n', len - (size_t)(line - text))); line = nl + 1, lineno++) {
        *nl = '\0';
        if (lineno == 1 && strcmp(line, PART_MAGIC) != 0)
            status = tn_fail(TN_ERR_INPUT, "%s:1:1: not a tnemu journal part", path);
        else if (lineno == 2 && strncmp(line, "identity ", 9) != 0)
            status = tn_fail(TN_ERR_INPUT, "%s:2:1: expected 'identity ...'", path);
        else if (lineno == 2)
            ident = line + 9;
        else if (lineno == 3 && sscanf(line, "tasks %ld", &tasks) != 1)
            status = tn_fail(TN_ERR_INPUT, "%s:3:1: expected 'tasks N'", path);
        else if (lineno == 3)
            status = check_job(j, dir, ident, tasks);
        else if (lineno > 3)
            status = read_record(j, path, lineno, line);
    }
    free(text);
    return status;
}

static int unlink_part(journal *j, const char *dir, const char *path)
{
    (void)j;
    (void)dir;
    unlink(path);
    return TN_OK;
}

void journal_remove_parts(const journal *j)
{
    if (!j) return;
    size_t cap = strlen(j->path) + 1;
    char *dir = tn_malloc(cap);
    if (!dir) return;
    memcpy(dir, j->path, cap);
    *strrchr(dir, '/') = '\0';   /* j->path is DIR/journal */
    for_each_part((journal *)j, dir, unlink_part);
    free(dir);
}

/* write(2) of all len bytes, or errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EIO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One whole piece of text at the end of the part, then to disk. */
static int part_write(journal_part *p, const char *text)
{
    int err = write_all(p->fd, text, strlen(text));
    if (!err && fdatasync(p->fd) != 0 && errno != EINVAL && errno != EROFS) err = errno;
    if (err) return tn_fail(TN_ERR_WRITE, "option --checkpoint: cannot write %s: %s", p->path, strerror(err));
    return TN_OK;
}

int journal_part_open(const char *dir, const char *identity, long ntasks, int world_rank, journal_part **out)
{
    *out = NULL;
    journal_part *p = tn_calloc(1, sizeof *p);
    size_t cap = strlen(dir) + strlen(PART_PREFIX) + 24;
    char *path = p ? tn_malloc(cap) : NULL;
    if (!path) { free(p); return TN_ERR_MEMORY; }
    snprintf(path, cap, "%s/%s%d", dir, PART_PREFIX, world_rank);
    p->path = path;
    p->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
    if (p->fd < 0) {
        int err = errno;
        free(path);
        free(p);
        return tn_fail(TN_ERR_WRITE, "option --checkpoint: cannot create %s/%s%d: %s", dir, PART_PREFIX, world_rank,
                       strerror(err));
    }
    size_t hcap = strlen(PART_MAGIC) + strlen(identity) + 48;
    char *header = tn_malloc(hcap);
    int status = header ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) {
        snprintf(header, hcap, "%s\nidentity %s\ntasks %ld\n", PART_MAGIC, identity, ntasks);
        status = part_write(p, header);
    }
    free(header);
    if (status) journal_part_close(&p);
    *out = p;
    return status;
}

int journal_part_append(journal_part *p, long t, const char *text)
{
    if (!p) return TN_OK;
    size_t cap = strlen(text) + 24;
    char *line = tn_malloc(cap);
    if (!line) return TN_ERR_MEMORY;
    snprintf(line, cap, "%ld %s\n", t, text);   /* one write: a kill leaves it whole or without its newline */
    int status = part_write(p, line);
    free(line);
    return status;
}

void journal_part_close(journal_part **p)
{
    if (!p || !*p) return;
    close((*p)->fd);
    free((*p)->path);
    free(*p);
    *p = NULL;
}

int journal_open(const char *dir, int resume, const char *identity, long ntasks, journal **out)
{
    *out = NULL;
    if (!resume && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tn_fail(TN_ERR_WRITE, "option --checkpoint: cannot create directory %s: %s", dir, strerror(errno));
    journal *j = tn_calloc(1, sizeof *j);
    if (!j) return TN_ERR_MEMORY;
    size_t cap = strlen(dir) + 16;
    j->ntasks = ntasks;
    j->path = tn_malloc(cap);
    j->identity = strdup(identity);
    j->rec = tn_calloc((size_t)ntasks + 1, sizeof *j->rec);
    int status = j->path && j->identity && j->rec ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) snprintf(j->path, cap, "%s/journal", dir);
    if (status == TN_OK && resume) status = journal_read(j, dir);
    long before = j && j->rec ? j->done : 0;
    if (status == TN_OK && resume) status = for_each_part(j, dir, merge_part);
    if (status == TN_OK) outfile_remove_stale(j->path);   /* a kill -9's temporaries */
    /* afresh: an empty journal now (a kill before the first save leaves one to resume);
     * resumed with records from parts: they go into the journal before the parts go */
    if (status == TN_OK && (!resume || j->done > before)) status = journal_save(j);
    if (status == TN_OK) journal_remove_parts(j);
    if (status) journal_destroy(&j);
    *out = j;
    return status;
}

int journal_save(journal *j)
{
    size_t cap = strlen(JOURNAL_MAGIC) + strlen(j->identity) + 64, len = 0;
    for (long t = 0; t < j->ntasks; t++)
        if (j->rec[t]) cap += strlen(j->rec[t]) + 24;
    char *text = tn_malloc(cap);
    if (!text) return TN_ERR_MEMORY;
    len += (size_t)snprintf(text + len, cap - len, "%s\nidentity %s\ntasks %ld", JOURNAL_MAGIC, j->identity, j->ntasks);
    for (long t = 0; t < j->ntasks; t++)
        if (j->rec[t]) len += (size_t)snprintf(text + len, cap - len, "\n%ld %s", t, j->rec[t]);
    int status = outfile_write_text(j->path, text, "option --checkpoint");
    free(text);
    return status;
}

int journal_encode(const double *v, size_t n, char **text)
{
    size_t cap = n * 26 + 2, len = 0;
    if (!(*text = tn_malloc(cap))) return TN_ERR_MEMORY;
    (*text)[0] = '\0';
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(*text + len, cap - len, i ? " %a" : "%a", v[i]);
    return TN_OK;
}

int journal_decode(const char *text, size_t n, double *v)
{
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p) return tn_fail(TN_ERR_INPUT, "journal: a record has %zu numbers; expected %zu", i, n);
        p = end;
    }
    while (*p == ' ') p++;
    if (*p) return tn_fail(TN_ERR_INPUT, "journal: a record has more than %zu numbers", n);
    return TN_OK;
}

/* ---- stopping and the farm ----------------------------------------------- */

int journal_stop_hook(long ran)
{
    const char *hook = getenv("TNEMU_STOP_AFTER_TASKS");
    long after = hook && *hook ? strtol(hook, NULL, 10) : -1;
    return after >= 0 && ran >= after;
}

int journal_stop_due(MPI_Comm world, long ran)
{
    const char *sig = getenv("TNEMU_SIGNAL_AFTER_TASKS");
    long raise_after = sig && *sig ? strtol(sig, NULL, 10) : -1;
    int rank;
    MPI_Comm_rank(world, &rank);
    if (rank == 0 && raise_after >= 0 && ran >= raise_after && !checkpoint_signalled()) raise(SIGTERM);
    int mine = checkpoint_signalled() != 0 || journal_stop_hook(ran), any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, world);
    return any;
}

/* Rank 0 reads the journal into all and done; every rank gets done. */
static int farm_resume(MPI_Comm world, const journal_options *jo, long T, size_t width, journal **j, double *all,
                       unsigned char *done)
{
    int rank, status = TN_OK;
    MPI_Comm_rank(world, &rank);
    if (rank == 0) status = journal_open(jo->dir, jo->resume, jo->identity, T, j);
    for (long t = 0; rank == 0 && status == TN_OK && t < T; t++)
        if (journal_record(*j, t)) {
            status = journal_decode(journal_record(*j, t), width, all + (size_t)t * width);
            done[t] = 1;
        }
    status = group_agree(world, status);
    if (status == TN_OK) MPI_Bcast(done, (int)T, MPI_UNSIGNED_CHAR, 0, world);
    return status;
}

/* One round, tasks [first, last): run the ones not done, sum the leaders'
 * results onto world rank 0, record them in all (and the journal). */
static int farm_round(MPI_Comm world, tn_group *g, long first, long last, size_t width, journal_task fn, void *ctx,
                      double *slice, double *all, unsigned char *done, journal *j)
{
    int rank, status = TN_OK;
    MPI_Comm_rank(world, &rank);
    size_t n = (size_t)(last - first) * width;
    memset(slice, 0, n * sizeof *slice);
    long k = 0;
    for (long t = first; t < last; t++)
        if (!done[t] && k++ % g->ngroups == g->group && status == TN_OK) status = fn(ctx, t, g, slice + (size_t)(t - first) * width);
    status = group_agree(world, status);
    if (status) return status;
    if (g->rank != 0) memset(slice, 0, n * sizeof *slice);
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : slice, slice, (int)n, MPI_DOUBLE, MPI_SUM, 0, world);
    for (long t = first; t < last && status == TN_OK; t++) {
        if (done[t]) continue;
        done[t] = 1;
        if (rank != 0) continue;
        memcpy(all + (size_t)t * width, slice + (size_t)(t - first) * width, width * sizeof *all);
        char *text = NULL;
        if (j && (status = journal_encode(all + (size_t)t * width, width, &text)) == TN_OK) status = journal_set(j, t, text);
        free(text);
    }
    if (status == TN_OK && j) status = journal_save(j);
    return group_agree(world, status);
}

int journal_farm(MPI_Comm world, int ngroups, long T, size_t width, journal_task fn, void *ctx,
                 const journal_options *jo, double *all, long *rounds, long *resumed)
{
    long round = jo->round > 0 ? jo->round : jo->dir ? ngroups : T;
    if (round < 1) round = 1;
    if (round > T) round = T > 0 ? T : 1;
    tn_group *g = NULL;
    journal *j = NULL;
    unsigned char *done = tn_calloc((size_t)T + 1, 1);
    double *slice = tn_malloc((size_t)round * width * sizeof *slice + 1);
    int status = group_agree(world, done && slice ? TN_OK : TN_ERR_MEMORY);
    if (status == TN_OK) status = group_create(world, ngroups, &g);
    if (status == TN_OK && jo->dir) status = farm_resume(world, jo, T, width, &j, all, done);
    *resumed = 0;
    for (long t = 0; status == TN_OK && t < T; t++) *resumed += done[t];
    long ran = 0;
    *rounds = 0;
    for (long first = 0; first < T && status == TN_OK; first += round) {
        long last = first + round < T ? first + round : T, todo = 0;
        for (long t = first; t < last; t++) todo += !done[t];
        status = farm_round(world, g, first, last, width, fn, ctx, slice, all, done, j);
        ran += todo;
        ++*rounds;
        if (status == TN_OK && jo->dir && last < T && journal_stop_due(world, ran))
            status = tn_fail(TN_STOPPED, "%s: stopped after %ld of %ld tasks (%ld this time); the journal is in %s: "
                             "continue with --resume %s", jo->command, *resumed + ran, T, ran, jo->dir, jo->dir);
    }
    journal_destroy(&j);
    group_destroy(&g);
    free(done);
    free(slice);
    return status;
}
