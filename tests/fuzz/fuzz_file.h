/* fuzz_file.h - the fuzz input as a file name for readers that take one,
 * without a file on disk: the bytes go into an anonymous memory file
 * (memfd_create) opened by its /proc/self/fd name, so nothing is left behind
 * however the fuzzer ends. Header-only: each harness is one program. */
#ifndef TN_FUZZ_FILE_H
#define TN_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* The name of a file holding exactly data[0..size), or NULL if the memory
 * file cannot be made. The same name each call; valid until the next. */
static const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char name[64];
    if (fd < 0) {
        fd = memfd_create("tnemu-fuzz", 0);
        if (fd < 0) return NULL;
        snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) return NULL;
    for (size_t done = 0; done < size;) {
        ssize_t put = pwrite(fd, data + done, size - done, (off_t)done);
        if (put <= 0) return NULL;
        done += (size_t)put;
    }
    return name;
}

#endif
