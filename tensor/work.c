/* work.c - growable scratch buffers (see work.h). */
#include "work.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

#include "error.h"

static size_t mem_limit, mem_baseline, mem_in_use, mem_peak;

/* The gates of one layer may run on several threads (mps_apply_layer). */
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;

void tn_mem_set_limit(size_t limit, size_t baseline)
{
    mem_limit = limit;
    mem_baseline = baseline;
}

size_t tn_mem_in_use(void) { return mem_in_use; }

size_t tn_mem_peak(void) { return mem_peak; }

void tn_mem_reset_peak(void)
{
    pthread_mutex_lock(&mem_lock);
    mem_peak = mem_in_use;
    pthread_mutex_unlock(&mem_lock);
}

/* Adds delta to the ledger and its peak (mem_lock held). */
static void ledger_add(long long delta)
{
    if (delta < 0) mem_in_use -= (size_t)-delta > mem_in_use ? mem_in_use : (size_t)-delta;
    else mem_in_use += (size_t)delta;
    if (mem_in_use > mem_peak) mem_peak = mem_in_use;
}

int tn_mem_charge_for(long long delta, const char *what)
{
    pthread_mutex_lock(&mem_lock);
    int status = TN_OK;
    if (delta > 0 && mem_limit && mem_baseline + mem_in_use + (size_t)delta > mem_limit) {
        if (what)
            status = tn_fail(TN_ERR_MEMORY, "option --max-memory: %zu bytes would be exceeded (%zu at start, %zu in "
                             "use, %lld more needed for %s); raise the limit", mem_limit, mem_baseline, mem_in_use,
                             delta, what);
        else
            status = tn_fail(TN_ERR_MEMORY, "option --max-memory: %zu bytes would be exceeded (%zu at start, %zu in "
                             "the state and workspace, %lld more needed); raise the limit, lower --chi or use more "
                             "ranks", mem_limit, mem_baseline, mem_in_use, delta);
    } else {
        ledger_add(delta);
    }
    pthread_mutex_unlock(&mem_lock);
    return status;
}

int tn_mem_charge(long long delta) { return tn_mem_charge_for(delta, NULL); }

void tn_mem_record(long long delta)
{
    pthread_mutex_lock(&mem_lock);
    ledger_add(delta);
    pthread_mutex_unlock(&mem_lock);
}

int tn_buf_reserve(tn_buf *buf, size_t bytes)
{
    if (buf->bytes >= bytes) return TN_OK;
    size_t grown = buf->bytes + buf->bytes / 2;
    if (grown < bytes) grown = bytes;
    if (tn_mem_charge((long long)grown - (long long)buf->bytes) != TN_OK) return TN_ERR_MEMORY;
    free(buf->data);
    buf->data = malloc(grown);
    if (!buf->data) {
        tn_mem_charge(-(long long)grown);
        buf->bytes = 0;
        return tn_fail(TN_ERR_MEMORY, "out of memory: a scratch buffer of %zu bytes", grown);
    }
    buf->bytes = grown;
    return TN_OK;
}

void tn_buf_free(tn_buf *buf)
{
    tn_mem_charge(-(long long)buf->bytes);
    free(buf->data);
    buf->data = NULL;
    buf->bytes = 0;
}

int tn_blas_int(size_t n, int *out)
{
    if (n > (size_t)INT_MAX)
        return tn_fail(TN_ERR_MEMORY, "a matrix dimension of %zu exceeds the 32-bit BLAS limit", n);
    *out = (int)n;
    return TN_OK;
}
