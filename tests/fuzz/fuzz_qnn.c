/* fuzz_qnn.c - libFuzzer harness for the `tnemu qnn` spec reader (src/qnn.c
 * spec_read, src/spec.c, src/input.c): any bytes must be read into a spec or
 * refused with a message, never crash, leak or hang.
 * Build: make fuzz; run: sh scripts/fuzz.sh qnn SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fuzz_file.h"
#include "qnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    if (path) qnn_check_spec(path);
    tn_clear_error();
    return 0;
}
