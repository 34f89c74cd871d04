/* libFuzzer target: the JSON readers of outside data -- benchmark files
 * (hotpath bench --export-json, hyperfine exports, record JSON) and record
 * metadata -- and a write/read round trip of what was read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "profile/meta_json.h"
#include "stats/bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_bench b, again;
	struct hp_meta m;
	struct hp_err err;
	struct hp_buf out = HP_BUF_INIT;

	if (hp_bench_read_json(&b, (const char *)data, size, "fuzz", &err) == 0) {
		if (hp_bench_write_json(&b, &out, &err))
			abort();
		if (hp_bench_read_json(&again, out.data, out.len, "again", &err))
			abort(); /* our own output must read back */
		if (again.nr != b.nr)
			abort();
		hp_bench_release(&again);
		hp_bench_release(&b);
	}
	hp_meta_init(&m);
	(void)hp_meta_json_sniff((const char *)data, size);
	(void)hp_meta_read_json(&m, (const char *)data, size, "fuzz", &err);
	hp_meta_release(&m);
	hp_buf_release(&out);
	return 0;
}
