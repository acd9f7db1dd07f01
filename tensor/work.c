/* work.c - growable scratch buffers (see work.h). */
#include "work.h"

#include <limits.h>
#include <stdlib.h>

#include "error.h"

int tn_buf_reserve(tn_buf *buf, size_t bytes)
{
    if (buf->bytes >= bytes) return TN_OK;
    size_t grown = buf->bytes + buf->bytes / 2;
    if (grown < bytes) grown = bytes;
    free(buf->data);
    buf->data = malloc(grown);
    if (!buf->data) {
        buf->bytes = 0;
        return tn_fail(TN_ERR_MEMORY, "out of memory: a scratch buffer of %zu bytes", grown);
    }
    buf->bytes = grown;
    return TN_OK;
}

void tn_buf_free(tn_buf *buf)
{
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
