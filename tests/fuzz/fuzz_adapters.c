/* fuzz_adapters.c - libFuzzer harness for the `tnemu adapters` spec reader
 * (src/adapters.c spec_read, src/spec.c, src/input.c): any bytes must be read
 * into a spec or refused with a message, never crash, leak or hang. The spec
 * may name other files (device, inputs); the fuzzer finds names it can.
 * Build: make fuzz; run: sh scripts/fuzz.sh adapters SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "adapters.h"
#include "error.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    if (path) adapters_check_spec(path);
    tn_clear_error();
    return 0;
}
