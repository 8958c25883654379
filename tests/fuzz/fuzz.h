/* fuzz.h - every fuzz target defines LLVMFuzzerTestOneInput. Built with clang's libFuzzer by
 * scripts/fuzz.sh; built with replay.c (any compiler) by CMake so CI replays the corpus. */
#ifndef LAKEHOUSE_FUZZ_H
#define LAKEHOUSE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
