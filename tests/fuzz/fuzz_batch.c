/* fuzz_batch.c - libFuzzer harness for the `tnemu batch` manifest reader
 * (src/batch.c manifest_read, src/input.c): any bytes must be read into a
 * manifest or refused with a message, never crash, leak or hang.
 * Build: make fuzz; run: sh scripts/fuzz.sh batch SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    if (path) batch_check_manifest(path);
    tn_clear_error();
    return 0;
}
