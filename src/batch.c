/* batch.c - `tnemu batch MANIFEST.json`: many circuits, each with its own
 * `tnemu run` options, farmed dynamically over MPI groups; one result per
 * task as JSON lines, in task order, whatever the rank and group counts.
 *
 * Manifest (docs/batch.md):
 *   {"seed": 1, "defaults": ["--chi", "64"],
 *    "tasks": [{"circuit": "a.qasm", "args": ["--shots", "100"]},
 *              {"name": "bell", "qasm": "OPENQASM 2.0; ...", "args": [...]},
 *              {"originir": "QINIT 2\n..."}]}
 * A task's options are exactly `tnemu run`'s (same parser, same checks),
 * after the defaults; its seed is seed + task index unless it sets one, so a
 * task's result does not depend on which group ran it. Circuit files, and
 * the files a task's --noise and --order name, are relative to the
 * manifest's folder.
 * Farming (mpi/farm.h): the leader of each group asks world rank 0 for the
 * next task index (two-sided messages, so any transport will do) and tells
 * its group; results are gathered on world rank 0 at the end and written in
 * task order. A task whose circuit or options are bad gets an "error" line
 * and the batch goes on; the exit status is then 2. SIGUSR1 or SIGTERM
 * stops the handing out: the tasks in progress finish, the results so far
 * are written, the tasks not run get a "not run" error line, and the exit
 * status is 3.
 * Not for: running one circuit (run.c), parsing options (cli.c). */
#include "batch.h"

#include <jansson.h>
#include <libgen.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "checkpoint.h"
#include "error.h"
#include "farm.h"
#include "group.h"
#include "input.h"
#include "journal.h"
#include "noise.h"
#include "originir.h"
#include "outfile.h"
#include "qasm.h"
#include "result.h"
#include "run.h"
#include "spec.h"

static const char *batch_usage =
    "usage: tnemu batch MANIFEST.json [OPTIONS]\n"
    "\n"
    "  --groups G         MPI groups the tasks are farmed over (1..ranks; default: one per rank,\n"
    "                     at most one per task)\n"
    "  -o, --output FILE  write the results, one JSON line per task in task order (default: stdout)\n"
    "  -q, --quiet        no summary on stderr\n"
    "  --checkpoint DIR   keep the results of the tasks done in DIR (each leader appends its\n"
    "                     tasks' lines as they finish; a kill -9 loses only the tasks running)\n"
    "  --resume DIR       run only the tasks DIR's journal lacks (and go on journaling there);\n"
    "                     the output has every task's line, as an uninterrupted batch\n"
    "\n"
    "Manifest: {\"seed\": S, \"defaults\": [run options], \"tasks\": [{\"circuit\": FILE | \"qasm\": TEXT |\n"
    "\"originir\": TEXT, \"name\": NAME, \"args\": [run options]}, ...]} (docs/batch.md). Files named\n"
    "in it (circuits, --noise, --order) are relative to the manifest's folder.\n";

typedef struct {
    char *path, *dir;
    json_t *root;
    json_t *tasks, *defaults;
    unsigned long long seed;
    long ntasks;
} manifest;

static int manifest_fail(const manifest *m, const char *what, long task)
{
    if (task >= 0) return tn_fail(TN_ERR_INPUT, "%s: tasks[%ld]: %s", m->path, task, what);
    return tn_fail(TN_ERR_INPUT, "%s: %s", m->path, what);
}

static int string_list(const manifest *m, json_t *list, const char *what, long task)
{
    if (!list) return TN_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "\"%s\" must be a list of strings (tnemu run options)", what);
    if (!json_is_array(list)) return manifest_fail(m, msg, task);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (!json_is_string(v)) return manifest_fail(m, msg, task);
    return TN_OK;
}

static int manifest_read(const char *path, manifest *m)
{
    memset(m, 0, sizeof *m);
    m->seed = 1;
    if (!(m->path = strdup(path)) || !(m->dir = strdup(path))) return TN_ERR_MEMORY;
    char *d = dirname(m->dir);
    memmove(m->dir, d, strlen(d) + 1);
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &m->root));
    static const char *const manifest_keys[] = {"seed", "defaults", "tasks", NULL};
    static const char *const task_keys[] = {"circuit", "qasm", "originir", "name", "args", NULL};
    CALL(input_check_keys(path, NULL, m->root, manifest_keys));
    m->tasks = json_object_get(m->root, "tasks");
    m->defaults = json_object_get(m->root, "defaults");
    json_t *seed = json_object_get(m->root, "seed");
    if (!json_is_object(m->root)) return manifest_fail(m, "the manifest is a JSON object (docs/batch.md)", -1);
    if (!json_is_array(m->tasks) || json_array_size(m->tasks) == 0)
        return manifest_fail(m, "\"tasks\" must be a non-empty list", -1);
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0))
        return manifest_fail(m, "\"seed\" must be an integer >= 0", -1);
    if (seed) m->seed = (unsigned long long)json_integer_value(seed);
    CALL(string_list(m, m->defaults, "defaults", -1));
    m->ntasks = (long)json_array_size(m->tasks);
    for (long t = 0; t < m->ntasks; t++) {
        json_t *task = json_array_get(m->tasks, (size_t)t);
        if (!json_is_object(task)) return manifest_fail(m, "a task is an object", t);
        char where[48];
        snprintf(where, sizeof where, "tasks[%ld]", t);
        CALL(input_check_keys(path, where, task, task_keys));
        int sources = !!json_object_get(task, "circuit") + !!json_object_get(task, "qasm") +
                      !!json_object_get(task, "originir");
        if (sources != 1) return manifest_fail(m, "give exactly one of \"circuit\", \"qasm\", \"originir\"", t);
        json_t *src = json_object_get(task, "circuit");
        if (!src) src = json_object_get(task, "qasm");
        if (!src) src = json_object_get(task, "originir");
        if (!json_is_string(src)) return manifest_fail(m, "the circuit is a string", t);
        CALL(string_list(m, json_object_get(task, "args"), "args", t));
    }
    return TN_OK;
}

static void manifest_free(manifest *m)
{
    json_decref(m->root);
    free(m->path);
    free(m->dir);
    memset(m, 0, sizeof *m);
}

int batch_check_manifest(const char *path)
{
    manifest m;
    int status = manifest_read(path, &m);
    manifest_free(&m);
    return status;
}

/* ---- one task ---------------------------------------------------------------- */

/* argv for `tnemu run CIRCUIT --seed S DEFAULTS... ARGS...`; strings point
 * into the manifest or into storage. */
static char **task_argv(const manifest *m, long t, const char *circuit, char *seed_text, int *argc)
{
    json_t *task = json_array_get(m->tasks, (size_t)t), *args = json_object_get(task, "args");
    size_t n = 5 + json_array_size(m->defaults) + json_array_size(args);
    char **argv = tn_calloc(n + 1, sizeof *argv);
    if (!argv) return NULL;
    int k = 0;
    argv[k++] = "tnemu";
    argv[k++] = "run";
    argv[k++] = (char *)circuit;
    argv[k++] = "--seed";
    snprintf(seed_text, 32, "%llu", m->seed + (unsigned long long)t);
    argv[k++] = seed_text;
    for (size_t i = 0; i < json_array_size(m->defaults); i++) argv[k++] = (char *)json_string_value(json_array_get(m->defaults, i));
    for (size_t i = 0; i < json_array_size(args); i++) argv[k++] = (char *)json_string_value(json_array_get(args, i));
    *argc = k;
    return argv;
}

/* The task's circuit: a file (relative to the manifest) read over the group,
 * or inline text parsed on every rank. */
static int task_circuit(const manifest *m, long t, tn_group *g, const char *format, char *name, size_t size,
                        circuit **c)
{
    json_t *task = json_array_get(m->tasks, (size_t)t);
    json_t *file = json_object_get(task, "circuit"), *qasm = json_object_get(task, "qasm");
    json_t *ir = json_object_get(task, "originir");
    if (file) {
        const char *f = json_string_value(file);
        if (f[0] == '/') snprintf(name, size, "%s", f);
        else snprintf(name, size, "%s/%s", m->dir, f);
        return cli_read_circuit(g->comm, name, format, c);
    }
    const char *text = json_string_value(qasm ? qasm : ir);
    snprintf(name, size, "%s:tasks[%ld]", m->path, t);
    return qasm ? qasm_parse_string(text, strlen(text), name, c) : originir_parse_string(text, strlen(text), name, c);
}

/* The files a task's options name (--noise FILE, --order FILE) are relative
 * to the manifest's folder, like its circuit file; *noise and *order keep
 * the resolved paths (free them). */
static int task_files(const manifest *m, run_request *rq, char **noise, char **order)
{
    if (rq->noise_path && !(rq->noise_path = *noise = spec_resolve(m->path, rq->noise_path))) return TN_ERR_MEMORY;
    if (rq->run.order && strcmp(rq->run.order, "identity") && strcmp(rq->run.order, "auto") &&
        !(rq->run.order = *order = spec_resolve(m->path, rq->run.order)))
        return TN_ERR_MEMORY;
    return TN_OK;
}

/* Runs task t on this group (collective over g->comm). The leader returns
 * the task's JSON line in *line (a result, or an error entry). Returns a
 * status only for failures that are not the task's input. */
static int run_task(const manifest *m, long t, tn_group *g, char **line)
{
    char seed_text[32], name[4096];
    json_t *task = json_array_get(m->tasks, (size_t)t);
    const char *label = json_string_value(json_object_get(task, "name"));
    const char *src = json_string_value(json_object_get(task, "circuit"));
    int argc = 0;
    char **argv = task_argv(m, t, src ? src : "inline", seed_text, &argc);
    if (!argv) return TN_ERR_MEMORY;
    run_request rq;
    circuit *c = NULL;
    noise_model *noise = NULL;
    tn_group *one = NULL;
    run_result res = {0};
    double t0 = MPI_Wtime();
    int status = cli_parse_run_args(argc, argv, &rq);
    rq.run.progress_every = 0;   /* tasks are short and many: the batch reports, not each task */
    if (status == TN_OK && (rq.output || rq.groups || rq.help))
        status = tn_fail(TN_ERR_USAGE, "options -o, --groups and --help belong to tnemu batch, not to a task");
    if (status == TN_OK && rq.team_size > 1)
        status = tn_fail(TN_ERR_USAGE, "option --team-size: a batch task runs on one group without teams (valid: 1)");
    char *noise_file = NULL, *order_file = NULL;
    if (status == TN_OK) status = task_files(m, &rq, &noise_file, &order_file);
    if (status == TN_OK) status = task_circuit(m, t, g, rq.format, name, sizeof name, &c);
    if (status == TN_OK && rq.noise_path) status = noise_load_t2(rq.noise_path, rq.noise_format, rq.noise_scale, rq.t2, &noise);
    status = group_agree(g->comm, status);   /* files read per rank: agree first */
    rq.run.noise = noise;
    if (status == TN_OK) status = group_create(g->comm, 1, &one);
    if (status == TN_OK) {
        rq.run.grp = one;
        status = run_circuit(c, &rq.run, &res);
        if (status) group_fail(one, status);
    }
    status = group_agree(g->comm, status);
    if (status == TN_OK) status = run_collect(g->comm, &rq.run, &res);
    json_t *root = NULL;
    if (g->rank == 0) {
        if (status == TN_OK) {
            result_context ctx = {argc, argv, name, rq.run.seed, &rq.run, 0, MPI_Wtime() - t0, g->size, 1, NULL, 0, 1};
            root = result_build(c, &res, &ctx);
        } else {
            root = json_pack("{s:s}", "error", tn_last_message());
        }
        json_t *entry = json_pack("{s:I}", "task", (json_int_t)t);   /* task and name first */
        if (entry && label) json_object_set_new(entry, "name", json_string(label));
        if (entry && root && json_object_update(entry, root) == 0)
            *line = json_dumps(entry, JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
        json_decref(entry);
        json_decref(root);
        if (!*line) status = TN_ERR_MEMORY;
    }
    int fatal = status == TN_ERR_MEMORY || status == TN_ERR_INTERNAL;
    run_result_free(&res);
    group_destroy(&one);
    noise_destroy(&noise);
    circ_destroy(&c);
    free(rq.list_storage);
    free(noise_file);
    free(order_file);
    free(argv);
    return fatal ? status : TN_OK;
}

/* ---- the farm ------------------------------------------------------------------- */

/* Runs the tasks the farm gives this group until there are none; a fatal
 * failure or a signal stops the handing out for every group. */
static int run_farm(const manifest *m, tn_group *g, const long *todo, long ntodo, char **lines, journal_part *part,
                    int *stopped)
{
    tn_farm *f = NULL;
    int status = farm_create(g, ntodo, &f);
    if (status) return status;
    for (long k = farm_next(f, 0), done = 0; k >= 0; done++) {
        status = run_task(m, todo[k], g, &lines[todo[k]]);
        if (status == TN_OK && lines[todo[k]]) status = journal_part_append(part, todo[k], lines[todo[k]]);
        if (done == 0 && tn_inject("pause-batch", g->world_rank)) checkpoint_wait_for_signal();   /* tests */
        int stop = checkpoint_signalled() || journal_stop_hook(done + 1);
        k = farm_next(f, (status ? FARM_FAILED : 0) | (stop ? FARM_STOP : 0));   /* -1 after either */
    }
    *stopped = farm_stopped(f) & FARM_STOP;
    farm_destroy(&f);
    return status;
}

/* Marks the tasks that were not run (NULL lines) on world rank 0. */
static int mark_not_run(const manifest *m, char **lines, long *not_run)
{
    *not_run = 0;
    for (long t = 0; t < m->ntasks; t++) {
        if (lines[t]) continue;
        const char *label = json_string_value(json_object_get(json_array_get(m->tasks, (size_t)t), "name"));
        json_t *e = json_pack("{s:I}", "task", (json_int_t)t);
        if (e && label) json_object_set_new(e, "name", json_string(label));
        if (e) json_object_set_new(e, "error", json_string("not run: the batch was stopped by a signal"));
        lines[t] = e ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(e);
        if (!lines[t]) return TN_ERR_MEMORY;
        (*not_run)++;
    }
    return TN_OK;
}

/* Gathers every leader's (task, line) pairs on world rank 0 into lines[]. */
static int gather_lines(MPI_Comm world, const manifest *m, tn_group *g, char **lines)
{
    int rank, size;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    /* pack: for each task done here, 8-byte index, 8-byte length, text */
    size_t bytes = 0;
    for (long t = 0; t < m->ntasks && g->rank == 0; t++) if (lines[t]) bytes += 16 + strlen(lines[t]);
    char *pack = tn_malloc(bytes + 1), *at = pack;
    if (!pack) return TN_ERR_MEMORY;
    for (long t = 0; t < m->ntasks && g->rank == 0; t++) {
        if (!lines[t]) continue;
        long long idx = t, len = (long long)strlen(lines[t]);
        memcpy(at, &idx, 8); memcpy(at + 8, &len, 8); memcpy(at + 16, lines[t], (size_t)len);
        at += 16 + len;
        if (rank != 0) { free(lines[t]); lines[t] = NULL; }
    }
    long long mine = (long long)bytes, *all = rank == 0 ? tn_calloc((size_t)size, sizeof *all) : NULL;
    MPI_Gather(&mine, 1, MPI_LONG_LONG, all, 1, MPI_LONG_LONG, 0, world);
    int status = TN_OK;
    if (rank == 0) {
        for (int r = 1; r < size && status == TN_OK; r++) {
            if (!all[r]) continue;
            char *buf = tn_malloc((size_t)all[r]);
            if (!buf) { status = TN_ERR_MEMORY; break; }
            MPI_Recv(buf, (int)all[r], MPI_CHAR, r, 77, world, MPI_STATUS_IGNORE);
            for (char *p = buf; p < buf + all[r];) {
                long long idx, len;
                memcpy(&idx, p, 8); memcpy(&len, p + 8, 8);
                if (!(lines[idx] = tn_malloc((size_t)len + 1))) { status = TN_ERR_MEMORY; break; }
                memcpy(lines[idx], p + 16, (size_t)len);
                lines[idx][len] = '\0';
                p += 16 + len;
            }
            free(buf);
        }
    } else if (bytes) {
        MPI_Send(pack, (int)bytes, MPI_CHAR, 0, 77, world);
    }
    free(all);
    free(pack);
    return status;
}

static int write_lines(const char *path, const manifest *m, char **lines, long *failed, const char **first_error)
{
    size_t total = 1;
    for (long t = 0; t < m->ntasks; t++) total += strlen(lines[t]) + 1;
    char *text = tn_malloc(total), *at = text;
    if (!text) return TN_ERR_MEMORY;
    *failed = 0;
    for (long t = 0; t < m->ntasks; t++) {
        size_t len = strlen(lines[t]);
        memcpy(at, lines[t], len);
        at += len;
        *at++ = '\n';
        json_t *e = json_loads(lines[t], 0, NULL);
        if (json_object_get(e, "error") && (*failed)++ == 0) *first_error = lines[t];
        json_decref(e);
    }
    at[-1] = '\0';   /* result_write_text and puts add the last newline */
    int status = path ? result_write_text(path, text) : outfile_stdout(text);
    free(text);
    return status;
}

typedef struct {
    const char *manifest, *output;
    long groups;
    int quiet, help;
    const char *journal_dir;    /* --checkpoint or --resume DIR */
    int resume;
} batch_request;

static int parse_batch_args(int argc, char **argv, batch_request *rq, int ranks)
{
    memset(rq, 0, sizeof *rq);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { rq->help = 1; return TN_OK; }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { rq->quiet = 1; continue; }
        if (a[0] != '-' || !a[1]) {
            if (rq->manifest) return tn_fail(TN_ERR_USAGE, "tnemu batch takes one manifest; '%s' is a second one", a);
            rq->manifest = a;
            continue;
        }
        if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--groups") == 0) CALL(cli_parse_long(a, v, 1, ranks, &rq->groups));
        else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && *v) rq->output = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) return tn_fail(TN_ERR_USAGE, "option %s: expected a file name", a);
        else if ((strcmp(a, "--checkpoint") == 0 || strcmp(a, "--resume") == 0) && *v) {
            if (rq->journal_dir && strcmp(rq->journal_dir, v) != 0)
                return tn_fail(TN_ERR_USAGE, "options --checkpoint and --resume name different directories; --resume DIR "
                               "goes on writing DIR");
            rq->journal_dir = v;
            rq->resume |= strcmp(a, "--resume") == 0;
        } else if (strcmp(a, "--checkpoint") == 0 || strcmp(a, "--resume") == 0)
            return tn_fail(TN_ERR_USAGE, "option %s: expected a directory", a);
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu batch' (see tnemu batch --help)", a);
    }
    if (!rq->help && !rq->manifest) return tn_fail(TN_ERR_USAGE, "tnemu batch: no manifest given (see tnemu batch --help)");
    return TN_OK;
}

/* --checkpoint/--resume: world rank 0 opens the journal of the job
 * `identity` and takes the lines of the tasks done from it; every rank gets
 * the list of tasks to run. */
static int journal_begin(const batch_request *rq, const char *identity, const manifest *m, journal **j, char **lines,
                         long *todo, long *ntodo)
{
    int rank, status = TN_OK;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    unsigned char *done = tn_calloc((size_t)m->ntasks + 1, 1);
    if (!done) status = TN_ERR_MEMORY;
    if (status == TN_OK && rq->journal_dir && rank == 0) {
        status = journal_open(rq->journal_dir, rq->resume, identity, m->ntasks, j);
        for (long t = 0; status == TN_OK && t < m->ntasks; t++)
            if (journal_record(*j, t)) {
                if (!(lines[t] = strdup(journal_record(*j, t)))) status = TN_ERR_MEMORY;
                done[t] = 1;
            }
    }
    status = group_agree(MPI_COMM_WORLD, status);
    if (status == TN_OK) MPI_Bcast(done, (int)m->ntasks, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
    *ntodo = 0;
    for (long t = 0; status == TN_OK && t < m->ntasks; t++)
        if (!done[t]) todo[(*ntodo)++] = t;
    free(done);
    return status;
}

/* --checkpoint/--resume: every group leader appends its tasks' lines to its
 * own part of the journal as they finish (a kill -9 loses only the tasks
 * running); *part stays NULL without a journal and on the other ranks. */
static int journal_part_begin(const batch_request *rq, const char *identity, const manifest *m, const tn_group *g,
                              journal_part **part)
{
    *part = NULL;
    if (!rq->journal_dir || g->rank != 0) return TN_OK;
    return journal_part_open(rq->journal_dir, identity, m->ntasks, g->world_rank, part);
}

/* Records the tasks run now (world rank 0, before "not run" lines exist);
 * the journal then holds what the parts held. */
static int journal_end(journal *j, const long *todo, long ntodo, char **lines)
{
    if (!j) return TN_OK;
    for (long k = 0; k < ntodo; k++)
        if (lines[todo[k]]) CALL(journal_set(j, todo[k], lines[todo[k]]));
    CALL(journal_save(j));
    journal_remove_parts(j);
    return TN_OK;
}

int batch_command(int argc, char **argv)
{
    MPI_Comm world = MPI_COMM_WORLD;
    int rank, ranks;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    double t0 = MPI_Wtime();
    batch_request rq;
    checkpoint_install_signals();   /* a signal stops the handing out of tasks (run_farm) */
    int status = parse_batch_args(argc, argv, &rq, ranks);
    if (status == TN_OK && rq.help) { if (rank == 0) fputs(batch_usage, stdout); return TN_OK; }
    manifest m;
    memset(&m, 0, sizeof m);
    if (status == TN_OK) status = manifest_read(rq.manifest, &m);
    status = group_agree(world, status);
    if (status) { manifest_free(&m); return status; }
    int ngroups = rq.groups > 0 ? (int)rq.groups : (int)(m.ntasks < ranks ? m.ntasks : ranks);
    tn_group *g = NULL;
    char **lines = tn_calloc((size_t)m.ntasks, sizeof *lines);
    long *todo = tn_malloc(((size_t)m.ntasks + 1) * sizeof *todo), ntodo = 0;
    journal *j = NULL;
    char *identity = NULL;   /* --checkpoint/--resume: the job's name in the journal, on every rank */
    status = group_agree(world, lines && todo ? TN_OK : TN_ERR_MEMORY);
    if (status == TN_OK && rq.journal_dir)
        status = group_agree(world, journal_identity("tnemu batch", rq.manifest, argc, argv, &identity));
    if (status == TN_OK) status = journal_begin(&rq, identity, &m, &j, lines, todo, &ntodo);
    if (status == TN_OK) status = group_create(world, ngroups, &g);
    int stopped = 0;
    journal_part *part = NULL;
    if (status == TN_OK) status = group_agree(world, journal_part_begin(&rq, identity, &m, g, &part));
    if (status == TN_OK) status = group_agree(world, run_farm(&m, g, todo, ntodo, lines, part, &stopped));
    journal_part_close(&part);
    if (status == TN_OK) status = group_agree(world, gather_lines(world, &m, g, lines));
    if (status == TN_OK && rank == 0) {
        long failed = 0, not_run = 0;
        const char *first = NULL;
        status = journal_end(j, todo, ntodo, lines);
        if (status == TN_OK) status = mark_not_run(&m, lines, &not_run);
        if (status == TN_OK) status = write_lines(rq.output, &m, lines, &failed, &first);
        failed -= not_run;
        if (status == TN_OK && !rq.quiet)
            fprintf(stderr, "tnemu batch: %ld tasks on %d group(s) of %d rank(s), %ld failed, %ld not run, %.2f s\n",
                    m.ntasks, ngroups, ranks, failed, not_run, MPI_Wtime() - t0);
        if (status == TN_OK && (stopped || not_run))
            status = tn_fail(TN_STOPPED, "stopped by a signal after %ld of %ld tasks; their results are written to %s, "
                             "the other tasks are marked \"not run\"", m.ntasks - not_run, m.ntasks,
                             rq.output ? rq.output : "stdout");
        else if (status == TN_OK && failed) {
            json_t *e = json_loads(first, 0, NULL);
            status = tn_fail(TN_ERR_INPUT, "%ld of %ld tasks failed; the first: %s", failed, m.ntasks,
                             e ? json_string_value(json_object_get(e, "error")) : "?");
            json_decref(e);
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, world);   /* failed tasks: every rank exits with 2 */
    for (long t = 0; lines && t < m.ntasks; t++) free(lines[t]);
    free(lines);
    free(todo);
    free(identity);
    journal_destroy(&j);
    group_destroy(&g);
    manifest_free(&m);
    return status;
}
