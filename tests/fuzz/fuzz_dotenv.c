/* Fuzz target: the .env parser (config_check_dotenv). */
#include "core/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	config_check_dotenv((const char *)data, size, &e);
	return 0;
}
