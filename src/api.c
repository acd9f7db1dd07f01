/* api.c - the library-wide part of the public API (tnemu.h): version,
 * statuses and the per-thread last-error message, MPI initialised on first
 * use and finalised only by whoever initialised it, warnings, communicators.
 * Not for: circuits, runs, adapters, qnn (api_circuit.c, api_run.c, api_batch.c). */
#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "error.h"

static _Thread_local char last_error[1024];
static int mpi_ours;                 /* the library called MPI_Init */
static int at_exit_registered;
static tnemu_warning_fn warning_fn;
static void *warning_user;
static int warnings_quiet;

const char *tnemu_version(void)
{
#define TN_STR2(x) #x
#define TN_STR(x) TN_STR2(x)
    return TN_STR(TNEMU_VERSION_MAJOR) "." TN_STR(TNEMU_VERSION_MINOR) "." TN_STR(TNEMU_VERSION_PATCH);
}

int tnemu_version_number(void) { return TNEMU_VERSION_NUMBER; }

const char *tnemu_last_error(void) { return last_error; }

void api_enter(void)
{
    last_error[0] = '\0';
    tn_clear_error();
}

int api_status(int status)
{
    if (status == TN_OK) return TNEMU_OK;
    const char *msg = tn_last_message();
    snprintf(last_error, sizeof last_error, "%s", msg && *msg ? msg : tn_strerror(status));
    return tn_exit_status(status) == 2 ? TNEMU_ERR_INPUT : TNEMU_ERR_INTERNAL;
}

int api_bad(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tn_fail(TN_ERR_USAGE, "%s", msg);
}

static void finalize_at_exit(void)
{
    int done = 0;
    if (mpi_ours && MPI_Finalized(&done) == MPI_SUCCESS && !done) MPI_Finalize();
    mpi_ours = 0;
}

int api_ready(void)
{
    int up = 0, down = 0;
    MPI_Finalized(&down);   /* MPI_Initialized stays true after MPI_Finalize */
    if (down) return tn_fail(TN_ERR_INTERNAL, "MPI was finalised in this process; it cannot start again");
    MPI_Initialized(&up);
    if (!up) {
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return tn_fail(TN_ERR_INTERNAL, "MPI_Init_thread failed");
        mpi_ours = 1;
        if (!at_exit_registered && atexit(finalize_at_exit) == 0) at_exit_registered = 1;
    }
    if (tn_blas_threads_init() == 0)
        return tn_fail(TN_ERR_USAGE, "environment variable TNEMU_BLAS_THREADS: '%s' is not a whole number in [1, 1024]",
                       getenv("TNEMU_BLAS_THREADS"));
    return TN_OK;
}

int tnemu_init(void)
{
    api_enter();
    return api_status(api_ready());
}

int tnemu_finalize(void)
{
    api_enter();
    finalize_at_exit();
    return TNEMU_OK;
}

void tnemu_set_warning_handler(tnemu_warning_fn fn, void *user)
{
    warning_fn = fn;
    warning_user = user;
}

void tnemu_set_quiet(int quiet) { warnings_quiet = quiet != 0; }

/* Not in tnemu.h: the engine's warnings pass here (api.h users). */
void api_warn(const char *message)
{
    if (warnings_quiet) return;
    if (warning_fn) warning_fn(message, warning_user);
    else fprintf(stderr, "tnemu: warning: %s\n", message);
}

void tnemu_free(void *p) { free(p); }

char *api_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *out = tn_malloc(n);
    if (out) memcpy(out, s, n);
    return out;
}

char *api_json_text(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17)); }

MPI_Comm api_comm(const void *comm) { return comm ? *(const MPI_Comm *)comm : MPI_COMM_WORLD; }

int tnemu_comm_from_fortran(int64_t fortran_handle, tnemu_comm **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_comm_from_fortran: out is NULL"));
    *out = NULL;
    int status = api_ready();
    if (status) return api_status(status);
    MPI_Comm c = MPI_Comm_f2c((MPI_Fint)fortran_handle);
    if (c == MPI_COMM_NULL) return api_status(api_bad("tnemu_comm_from_fortran: %lld is not a communicator",
                                                      (long long)fortran_handle));
    tnemu_comm *h = tn_malloc(sizeof *h);
    if (!h) return api_status(TN_ERR_MEMORY);
    h->comm = c;
    *out = h;
    return TNEMU_OK;
}

void tnemu_comm_free(tnemu_comm **comm)
{
    if (!comm) return;
    free(*comm);
    *comm = NULL;
}

int tnemu_comm_rank(const void *comm, int64_t *rank, int64_t *size)
{
    api_enter();
    int status = api_ready();
    if (status) return api_status(status);
    int r = 0, s = 1;
    MPI_Comm c = api_comm(comm);
    if (c == MPI_COMM_NULL) return api_status(api_bad("the communicator is MPI_COMM_NULL"));
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &s);
    if (rank) *rank = r;
    if (size) *size = s;
    return TNEMU_OK;
}

int api_bcast_buffer(MPI_Comm comm, void **buf, int64_t *bytes)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    long long n = rank == 0 ? (long long)*bytes : 0;
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm);
    if (rank != 0) {
        *bytes = n;
        *buf = n ? malloc((size_t)n) : NULL;
    }
    int ok = n == 0 || *buf != NULL, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
    if (!all) return tn_fail(TN_ERR_MEMORY, "out of memory receiving a result of %lld bytes", n);
    for (long long done = 0; done < n;) {
        int chunk = n - done > (1 << 30) ? (1 << 30) : (int)(n - done);
        MPI_Bcast((char *)*buf + done, chunk, MPI_BYTE, 0, comm);
        done += chunk;
    }
    return TN_OK;
}
