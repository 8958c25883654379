/* harness.h - shared test setup: a real S3 server on a free loopback port, in a temp dir.
 * test_server_start() fills cfg (caller-owned) and starts versitygw through the product's own
 * storage module, or RustFS / s3s-fs (with its bucket) when LAKEHOUSE_TEST_RUSTFS /
 * LAKEHOUSE_TEST_S3FS names its binary: the compatibility matrix; test_server_stop() stops it
 * and removes the temp dir. test_skip_without_server() exits with TEST_SKIP_CODE (ctest's
 * SKIP_RETURN_CODE for those entries), saying why, when the named binary is missing. */
#ifndef LAKEHOUSE_TEST_HARNESS_H
#define LAKEHOUSE_TEST_HARNESS_H

#include "core/config.h"

#define TEST_SKIP_CODE 77

int test_free_port(void);
void test_skip_without_server(void);
int test_server_start(struct config *cfg);
void test_server_stop(struct config *cfg);

#endif
