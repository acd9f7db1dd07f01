/* fuzz_qasm.c - libFuzzer harness for the OpenQASM 2 reader (src/qasm.c):
 * any bytes must parse into a circuit or fail with a message, never crash,
 * leak or hang. Build: make fuzz; run: sh scripts/fuzz.sh qasm SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "error.h"
#include "qasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    circuit *c = NULL;
    if (qasm_parse_string((const char *)data, size, "fuzz.qasm", &c) == TN_OK) circ_destroy(&c);
    tn_clear_error();
    return 0;
}
