/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The libFuzzer entry point every target in tests/fuzz/ defines. Built with
 * -fsanitize=fuzzer it is driven by libFuzzer; built with replay.c it is
 * called once per file named on the command line (any compiler).
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message if cond is false: an invariant of the code under test broke. */
#define FUZZ_CHECK(cond)                                                                                    \
        do {                                                                                                \
                if (!(cond))                                                                                \
                        fuzz_fail(__FILE__, __LINE__, #cond);                                               \
        } while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);
