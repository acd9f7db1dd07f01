/* spec.c - bounded numbers, devices and file names of the adapters and QNN specs (spec.h). */
#include "spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"

int spec_number(const char *path, json_t *v, const char *name, double lo, double hi, double *out)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < lo || json_number_value(v) > hi)
        return tn_fail(TN_ERR_INPUT, "%s: \"%s\" must be a number in [%g, %g]", path, name, lo, hi);
    *out = json_number_value(v);
    return TN_OK;
}

char *spec_resolve(const char *spec_path, const char *name)
{
    const char *slash = strrchr(spec_path, '/');
    size_t dir = name[0] == '/' || !slash ? 0 : (size_t)(slash - spec_path) + 1;   /* "dir/" kept */
    char *out = tn_malloc(dir + strlen(name) + 1);
    if (!out) return NULL;
    memcpy(out, spec_path, dir);
    strcpy(out + dir, name);
    return out;
}

int spec_device(const char *path, json_t *dev, device_graph *g, int *origin)
{
    const char *kind = json_string_value(json_object_get(dev, "kind"));
    static const char *const line_keys[] = {"kind", "qubits", NULL}, *const grid_keys[] = {"kind", "rows", "cols", NULL};
    static const char *const file_keys[] = {"kind", "file", NULL};
    double a, b;
    *origin = 0;
    const char *const *keys = !kind ? NULL : strcmp(kind, "line") == 0 ? line_keys : strcmp(kind, "grid") == 0 ? grid_keys
                            : strcmp(kind, "ibm") == 0 || strcmp(kind, "origin") == 0 ? file_keys : NULL;
    if (keys) CALL(input_check_keys(path, "device", dev, keys));
    if (!kind) return tn_fail(TN_ERR_INPUT, "%s: \"device\" needs \"kind\": ibm, origin, line or grid", path);
    if (strcmp(kind, "line") == 0) {
        CALL(spec_number(path, json_object_get(dev, "qubits"), "device.qubits", 1, 100000, &a));
        return device_line((int)a, g);
    }
    if (strcmp(kind, "grid") == 0) {
        CALL(spec_number(path, json_object_get(dev, "rows"), "device.rows", 1, 1000, &a));
        CALL(spec_number(path, json_object_get(dev, "cols"), "device.cols", 1, 1000, &b));
        return device_grid((int)a, (int)b, g);
    }
    if (strcmp(kind, "ibm") != 0 && strcmp(kind, "origin") != 0)
        return tn_fail(TN_ERR_INPUT, "%s: \"device.kind\" must be one of: ibm, origin, line, grid", path);
    const char *file = json_string_value(json_object_get(dev, "file"));
    if (!file) return tn_fail(TN_ERR_INPUT, "%s: \"device.file\" names the IBM conf_*.json or Origin grid topology", path);
    *origin = strcmp(kind, "origin") == 0;
    char *resolved = spec_resolve(path, file);
    if (!resolved) return TN_ERR_MEMORY;
    int status = device_read(resolved, g);
    free(resolved);
    return status;
}

int spec_noise(const char *path, json_t *root, char **noise_path, noise_t2 *t2, double *noise_scale,
               long *trajectories)
{
    json_t *noise = json_object_get(root, "noise"), *kind = json_object_get(root, "t2");
    if (noise && !json_is_null(noise) && !json_is_false(noise)) {
        if (!json_is_string(noise))
            return tn_fail(TN_ERR_INPUT, "%s: \"noise\" is a calibration file name, or null/false", path);
        free(*noise_path);
        if (!(*noise_path = spec_resolve(path, json_string_value(noise)))) return TN_ERR_MEMORY;
    }
    if (kind && !(json_is_string(kind) && noise_parse_t2("t2", json_string_value(kind), t2) == TN_OK)) {
        tn_clear_error();
        return tn_fail(TN_ERR_INPUT, "%s: \"t2\" must be \"ramsey\" or \"echo\" (which T2 of an Origin calibration)", path);
    }
    if (json_object_get(root, "noise_scale"))
        CALL(spec_number(path, json_object_get(root, "noise_scale"), "noise_scale", 0, 1000, noise_scale));
    double v;
    if (json_object_get(root, "trajectories")) {
        CALL(spec_number(path, json_object_get(root, "trajectories"), "trajectories", 1, 1e8, &v));
        *trajectories = (long)v;
    }
    return TN_OK;
}
