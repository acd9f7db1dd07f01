/* fuzz_originir.c - libFuzzer harness for the OriginIR reader
 * (src/originir.c): any bytes parse or fail with a message, never crash,
 * leak or hang. Build: make fuzz; run: sh scripts/fuzz.sh originir SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "error.h"
#include "originir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    circuit *c = NULL;
    if (originir_parse_string((const char *)data, size, "fuzz.ir", &c) == TN_OK) circ_destroy(&c);
    tn_clear_error();
    return 0;
}
