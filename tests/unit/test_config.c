/* test_config.c - environment, .env and defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "lake/lake.h"

static const char *const managed[] = {
	"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID",
	"RUSTFS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "RUSTFS_SECRET_KEY", "AWS_REGION",
	"AWS_DEFAULT_REGION", "LAKEHOUSE_BUCKET", "LAKEHOUSE_CATALOG", "LAKEHOUSE_LOCK_TIMEOUT",
	"LAKEHOUSE_S3_TIMEOUT", "LAKEHOUSE_DUCKDB_THREADS", "LAKEHOUSE_DUCKDB_MEMORY", NULL};

static char dotenv[64];

static int clean_env(void **state)
{
	(void)state;
	for (int i = 0; managed[i]; i++)
		unsetenv(managed[i]);
	snprintf(dotenv, sizeof dotenv, "/tmp/lakehouse-env-XXXXXX");
	int fd = mkstemp(dotenv);
	close(fd);
	return 0;
}

static int remove_dotenv(void **state)
{
	(void)state;
	unlink(dotenv);
	return 0;
}

static void write_dotenv(const char *text)
{
	FILE *f = fopen(dotenv, "w");
	fputs(text, f);
	fclose(f);
}

static void test_defaults_match_rustfs(void **state)
{
	(void)state;
	struct config c;
	struct err e = {0};
	assert_int_equal(config_load(&c, "/nonexistent/.env", &e), 0);
	assert_string_equal(c.endpoint, "http://127.0.0.1:9000");
	assert_string_equal(c.access_key, "rustfsadmin");
	assert_string_equal(c.secret_key, "rustfsadmin");
	assert_string_equal(c.region, "us-east-1");
	assert_string_equal(c.bucket, "lakehouse");
	assert_string_equal(c.catalog, "metadata.ducklake");
}

static void test_dotenv_is_read_and_environment_wins(void **state)
{
	(void)state;
	write_dotenv("# comment\n\nexport AWS_ACCESS_KEY_ID=fromfile\n"
		     "AWS_SECRET_ACCESS_KEY=\"quoted value\"\n"
		     "AWS_REGION=eu-west-1 # inline comment\n"
		     "S3_ENDPOINT=rustfs:9000\n");
	setenv("AWS_REGION", "ap-south-1", 1);
	struct config c;
	struct err e = {0};
	assert_int_equal(config_load(&c, dotenv, &e), 0);
	assert_string_equal(c.access_key, "fromfile");
	assert_string_equal(c.secret_key, "quoted value");
	assert_string_equal(c.region, "ap-south-1"); /* the real environment wins */
	assert_string_equal(c.endpoint, "http://rustfs:9000"); /* seed name, scheme added */
	assert_false(config_endpoint_is_local(&c));
}

static void test_aws_endpoint_url_beats_s3_endpoint(void **state)
{
	(void)state;
	setenv("S3_ENDPOINT", "http://a:1", 1);
	setenv("AWS_ENDPOINT_URL", "https://b.example:8443/", 1);
	struct config c;
	struct err e = {0};
	assert_int_equal(config_load(&c, "/nonexistent/.env", &e), 0);
	assert_string_equal(c.endpoint, "https://b.example:8443");
	char host[64];
	int port, tls;
	assert_int_equal(config_endpoint_parts(&c, host, sizeof host, &port, &tls, &e), 0);
	assert_string_equal(host, "b.example");
	assert_int_equal(port, 8443);
	assert_int_equal(tls, 1);
}

static void test_bad_values_are_rejected_with_the_line(void **state)
{
	(void)state;
	struct config c;
	struct err e = {0};
	write_dotenv("AWS_REGION=x\nthis line has no equals sign\n");
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_non_null(strstr(e.msg, ":2:"));

	write_dotenv("");
	setenv("AWS_ENDPOINT_URL", "ftp://x:1", 1);
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_non_null(strstr(e.msg, "http://"));

	setenv("AWS_ENDPOINT_URL", "http://x:99999", 1);
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_non_null(strstr(e.msg, "port"));

	unsetenv("AWS_ENDPOINT_URL");
	setenv("LAKEHOUSE_BUCKET", "Bad_Bucket", 1);
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_non_null(strstr(e.msg, "bucket"));

	/* a PostgreSQL password in the catalog string would be shown in messages */
	unsetenv("LAKEHOUSE_BUCKET");
	setenv("LAKEHOUSE_CATALOG", "postgres:dbname=lake host=db user=u password=Sekr1tPw", 1);
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_int_equal(e.code, EXIT_USAGE);
	assert_non_null(strstr(e.msg, "PGPASSWORD"));
	assert_null(strstr(e.msg, "Sekr1tPw"));
	setenv("LAKEHOUSE_CATALOG", "postgres:dbname=lake host=db user=u", 1);
	assert_int_equal(config_load(&c, dotenv, &e), 0);
}

static void test_numeric_settings_are_parsed_once(void **state)
{
	(void)state;
	struct config c;
	struct err e = {0};
	assert_int_equal(config_load(&c, "/nonexistent/.env", &e), 0);
	assert_int_equal(c.lock_timeout_s, 10); /* the defaults */
	assert_int_equal(c.s3_timeout_s, 60);
	assert_int_equal(c.duckdb_threads, 0);
	assert_string_equal(c.duckdb_memory, "");

	write_dotenv("LAKEHOUSE_S3_TIMEOUT=5\nLAKEHOUSE_DUCKDB_MEMORY=1.5 GiB\n");
	setenv("LAKEHOUSE_LOCK_TIMEOUT", "0", 1); /* 0 = do not wait: valid */
	setenv("LAKEHOUSE_DUCKDB_THREADS", "4", 1);
	assert_int_equal(config_load(&c, dotenv, &e), 0);
	assert_int_equal(c.lock_timeout_s, 0);
	assert_int_equal(c.s3_timeout_s, 5);
	assert_int_equal(c.duckdb_threads, 4);
	assert_string_equal(c.duckdb_memory, "1.5 GiB");
}

/* Each bad value: exit 2 naming the variable (and the value), whichever source it came from. */
static void test_bad_numbers_name_the_variable(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{"LAKEHOUSE_LOCK_TIMEOUT", "ten"},     {"LAKEHOUSE_LOCK_TIMEOUT", "-1"},
		{"LAKEHOUSE_LOCK_TIMEOUT", "5s"},      {"LAKEHOUSE_LOCK_TIMEOUT", "99999999999999999999"},
		{"LAKEHOUSE_S3_TIMEOUT", "0"},         {"LAKEHOUSE_S3_TIMEOUT", "1e3"},
		{"LAKEHOUSE_S3_TIMEOUT", " 7"},        {"LAKEHOUSE_DUCKDB_THREADS", "0"},
		{"LAKEHOUSE_DUCKDB_THREADS", "many"},  {"LAKEHOUSE_DUCKDB_THREADS", "100000"},
		{"LAKEHOUSE_DUCKDB_MEMORY", "lots"},   {"LAKEHOUSE_DUCKDB_MEMORY", "4"},
		{"LAKEHOUSE_DUCKDB_MEMORY", "0GB"},    {"LAKEHOUSE_DUCKDB_MEMORY", "4 parsecs"},
		{"LAKEHOUSE_DUCKDB_MEMORY", "-2GB"},   {"LAKEHOUSE_DUCKDB_MEMORY", ".5GB"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct config c;
		struct err e = {0};
		setenv(bad[i][0], bad[i][1], 1);
		assert_int_equal(config_load(&c, "/nonexistent/.env", &e), -1);
		assert_int_equal(e.code, EXIT_USAGE);
		assert_non_null(strstr(e.msg, bad[i][0]));
		assert_non_null(strstr(e.msg, bad[i][1]));
		unsetenv(bad[i][0]);
	}
	struct config c;
	struct err e = {0};
	write_dotenv("LAKEHOUSE_S3_TIMEOUT=soon\n"); /* from .env too */
	assert_int_equal(config_load(&c, dotenv, &e), -1);
	assert_non_null(strstr(e.msg, "LAKEHOUSE_S3_TIMEOUT"));
}

static void test_catalog_kind(void **state)
{
	(void)state;
	assert_int_equal(catalog_kind("metadata.ducklake"), CATALOG_DUCKDB_FILE);
	assert_int_equal(catalog_kind("/a:b/metadata.ducklake"), CATALOG_DUCKDB_FILE);
	assert_int_equal(catalog_kind("sqlite:/tmp/c.sqlite"), CATALOG_SQLITE);
	assert_int_equal(catalog_kind("postgres:dbname=lake host=db"), CATALOG_POSTGRES);
	assert_int_equal(catalog_kind("mysql:db=lake"), CATALOG_MYSQL);
	assert_string_equal(catalog_file("metadata.ducklake"), "metadata.ducklake");
	assert_string_equal(catalog_file("sqlite:/tmp/c.sqlite"), "/tmp/c.sqlite");
	assert_null(catalog_file("postgres:dbname=lake"));
	assert_string_equal(catalog_kind_name(catalog_kind("sqlite:x")), "SQLite file");
	assert_string_equal(catalog_kind_name(catalog_kind("postgres:x")), "PostgreSQL database");
	assert_string_equal(catalog_kind_name(catalog_kind("x.ducklake")), "DuckDB file");
}

static void test_identifiers(void **state)
{
	(void)state;
	assert_true(lake_valid_identifier("events"));
	assert_true(lake_valid_identifier("_x9"));
	assert_false(lake_valid_identifier(""));
	assert_false(lake_valid_identifier("9lives"));
	assert_false(lake_valid_identifier("a'b"));
	assert_false(lake_valid_identifier("a;b"));
	assert_false(lake_valid_identifier("a\"b"));
	assert_false(lake_valid_identifier("a b"));
	assert_false(lake_valid_identifier(
		"a234567890123456789012345678901234567890123456789012345678901234"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_match_rustfs, clean_env, remove_dotenv),
		cmocka_unit_test_setup_teardown(test_dotenv_is_read_and_environment_wins, clean_env,
						remove_dotenv),
		cmocka_unit_test_setup_teardown(test_aws_endpoint_url_beats_s3_endpoint, clean_env,
						remove_dotenv),
		cmocka_unit_test_setup_teardown(test_bad_values_are_rejected_with_the_line, clean_env,
						remove_dotenv),
		cmocka_unit_test_setup_teardown(test_numeric_settings_are_parsed_once, clean_env,
						remove_dotenv),
		cmocka_unit_test_setup_teardown(test_bad_numbers_name_the_variable, clean_env,
						remove_dotenv),
		cmocka_unit_test(test_catalog_kind),
		cmocka_unit_test(test_identifiers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
