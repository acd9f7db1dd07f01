/* fuzz_checkpoint.c - libFuzzer harness for the read side of checkpoints:
 * the file's checks (src/checkpoint.c checkpoint_parse), a static run's gate
 * list (src/resume.c resume_gate_list) and the saved state (src/mps_save.c
 * mps_restore) of a 3-qubit run. The last 8 bytes of an input are replaced
 * by its FNV-1a checksum, so the fuzzer gets past the checksum to the
 * contents a corrupted or crafted file could hold. Inputs must match the
 * identity below; the seed corpus (tests/fuzz/corpus-checkpoint) does.
 * Build: make fuzz; run: sh scripts/fuzz.sh checkpoint SECONDS. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "error.h"
#include "mps.h"
#include "resume.h"

#define FUZZ_QUBITS 3
#define FUZZ_GATES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 32 || size > (1u << 20)) return 0;
    char *bytes = malloc(size);
    if (!bytes) return 0;
    memcpy(bytes, data, size);
    uint64_t sum = checkpoint_fnv(CHECKPOINT_FNV_START, bytes, size - 8);
    memcpy(bytes + size - 8, &sum, 8);
    json_t *identity = json_pack("{s:s, s:i}", "kind", "gates", "qubits", FUZZ_QUBITS), *position = NULL;
    char *payload = NULL;
    size_t len = 0;
    if (checkpoint_parse("fuzz.tnck", bytes, size, identity, &position, &payload, &len) == TN_OK) {
        size_t done[FUZZ_GATES], ndone;
        resume_gate_list("fuzz", position, done, FUZZ_GATES, &ndone);
        int site_of[FUZZ_QUBITS] = {0, 1, 2};
        mps_trunc trunc = {0};
        trunc.max_chi = 8;
        mps *m = NULL;
        if (mps_create(FUZZ_QUBITS, site_of, &trunc, &m) == TN_OK) mps_restore(m, payload, len);
        mps_destroy(&m);
    }
    json_decref(position);
    json_decref(identity);
    free(payload);
    free(bytes);
    tn_clear_error();
    return 0;
}
