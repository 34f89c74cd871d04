/* Store URLs, --since dates and stored raw values (src/store/store.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *path = NULL;
	enum hp_store_kind kind;
	struct hp_err err;
	double *v = NULL;
	size_t n;
	int64_t t;

	memcpy(s, data, size);
	s[size] = '\0';
	if (hp_store_url_parse(s, &kind, &path, &err) == 0 && kind == HP_STORE_SQLITE && !path)
		__builtin_trap();
	free(path);
	hp_store_parse_date(s, &t);
	if (hp_store_raw_unpack(data, size, &v, &n, 1000) == 0 && n * 8 != size)
		__builtin_trap();
	free(v);
	free(s);
	return 0;
}
