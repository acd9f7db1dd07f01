/* fuzz_json.c - libFuzzer harness for the JSON readers: noise models in every
 * format (IBM properties, Origin chip configs, tnemu noise JSON; src/noise*.c)
 * and measured distributions (tnemu results, Qiskit and Origin counts;
 * src/counts.c). The readers take file names: each input is handed over as
 * an anonymous memory file (fuzz_file.h), so no temporary file is left.
 * Build: make fuzz; run: sh scripts/fuzz.sh json SECONDS. */
#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "error.h"
#include "fuzz_file.h"
#include "noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    if (!path) return 0;
    const char *formats[] = {NULL, "ibm", "origin", "tnemu"};
    for (int i = 0; i < 4; i++) {
        noise_model *m = NULL;
        if (noise_load(path, formats[i], i == 3 ? 0.5 : 1.0, &m) == TN_OK) noise_destroy(&m);
        tn_clear_error();
    }
    for (int width = 0; width <= 8; width += 4) {
        dist d;
        dist_read(path, width, width == 4 ? "1" : NULL, &d);
        dist_free(&d);
        tn_clear_error();
    }
    return 0;
}
