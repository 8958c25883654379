/* Fuzz target: endpoint URL parsing (config_endpoint_parts) and URI encoding. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	size_t n = size < sizeof cfg.endpoint - 1 ? size : sizeof cfg.endpoint - 1;
	memcpy(cfg.endpoint, data, n);
	cfg.endpoint[n] = '\0';
	char host[256], enc[1024];
	int port = 0, tls = 0;
	struct err e = {0};
	if (config_endpoint_parts(&cfg, host, sizeof host, &port, &tls, &e) == 0 &&
	    (port < 1 || port > 65535 || strlen(host) >= sizeof host))
		abort();
	if (http_uri_encode(enc, sizeof enc, cfg.endpoint, 1) == 0)
		for (const char *p = enc; *p; p++) /* only unreserved characters, '/' and %XX */
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/%", *p))
				abort();
	return 0;
}
