/* libFuzzer target: the TOML reader, then the configuration mapping and the
 * shell-like command splitter on the same bytes.  Any accepted document must
 * dump to JSON and its lookups must not crash; errors must carry a position. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_toml *t = NULL;
	struct hp_err err;
	struct hp_config cfg;
	char *str, **argv = NULL;
	size_t argc;

	if (hp_toml_parse("fuzz.toml", (const char *)data, size, &t, &err) == 0) {
		struct hp_buf out = HP_BUF_INIT;

		hp_toml_dump_json(t, &out);
		if (out.len < 2 || out.data[0] != '{')
			abort();
		(void)hp_toml_get(t, "tool.hotpath.defaults");
		hp_buf_release(&out);
		hp_toml_free(t);
	} else if (strncmp(err.msg, "'fuzz.toml' line ", 17)) {
		abort(); /* every error names the file and position */
	}

	hp_config_init(&cfg);
	(void)hp_config_parse("dir/hotpath.toml", (const char *)data, size, false, &cfg, &err);
	(void)hp_config_parse("pyproject.toml", (const char *)data, size, true, &cfg, &err);
	hp_config_release(&cfg);
	if (cfg.defaults.output || cfg.nr_scenarios)
		abort(); /* a failed or released config holds nothing */

	str = malloc(size + 1);
	memcpy(str, data, size);
	str[size] = '\0';
	if (hp_shell_split(str, &argv, &argc, &err) == 0) {
		if (!argc || argv[argc])
			abort();
		hp_argv_free(argv);
	}
	free(str);
	return 0;
}
