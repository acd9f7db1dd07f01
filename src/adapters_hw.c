/* adapters_hw.c - `tnemu adapters --hardware-counts DIR`: one counts file per
 * emitted circuit, matched by name, as per-block outcome frequencies (see
 * adapters_hw.h).
 * Not for: the reconstruction of outputs or the comparison (adapters.c). */
#include "adapters_hw.h"

#include <stdio.h>
#include <string.h>

#include "counts.h"
#include "error.h"

/* Adds the frequencies of one file's outcomes to its circuit's block rows. */
static void add_block_frequencies(const dist *d, int used, int k, double *rows)
{
    int dim = 1 << k, width = d->width;
    memset(rows, 0, (size_t)used * dim * sizeof *rows);
    for (size_t e = 0; e < d->ncounts; e++) {
        const char *key = d->counts[e].key;
        for (int slot = 0; slot < used; slot++) {
            int idx = 0;
            for (int j = 0; j < k; j++) idx |= (key[width - 1 - (slot * k + j)] == '1') << j;
            rows[(size_t)slot * dim + idx] += d->counts[e].value / d->shots;
        }
    }
}

int adapters_hw_read(const char *dir, long ncircuits, int nblocks, int k, long npieces, double *freq, double *shots)
{
    *shots = 0;
    for (long t = 0; t < ncircuits; t++) {
        long first = t * nblocks, left = npieces - first;
        int used = (int)(left < nblocks ? left : nblocks), width = used * k;
        char path[4096];
        snprintf(path, sizeof path, "%s/circuit-%ld.json", dir, t);
        dist d;
        memset(&d, 0, sizeof d);
        int status = dist_read(path, width, NULL, &d);
        if (status == TN_OK && d.width != width)
            status = tn_fail(TN_ERR_INPUT, "%s: %d-bit outcomes, but circuit-%ld measures %d bits (%d blocks of %d qubits)",
                             path, d.width, t, width, used, k);
        if (status == TN_OK && !(d.shots > 0)) status = tn_fail(TN_ERR_INPUT, "%s: no shots", path);
        if (status == TN_OK) {
            add_block_frequencies(&d, used, k, freq + (size_t)t * nblocks * ((size_t)1 << k));
            *shots += d.shots;
        }
        dist_free(&d);
        CALL(status);
    }
    return TN_OK;
}
