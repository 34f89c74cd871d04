/*
 * meta_json.h - read the run metadata that `hotpath record` writes as
 * NAME.json (command, pids, python_version, start_time, duration_s,
 * rate_requested, rate_achieved, samples, errors, exit_status, user_cpu_s,
 * sys_cpu_s, peak_rss_kb, hotpath_version).  Unknown keys are ignored;
 * known keys of the wrong type are errors.
 *
 * Ownership: fills a caller-initialised struct hp_meta (hp_meta_init), whose
 * strings the caller releases with hp_meta_release.
 */
#ifndef HP_PROFILE_META_JSON_H
#define HP_PROFILE_META_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "profile/profile.h"

/* True when data is a JSON object with "duration_s" (a record JSON). */
bool hp_meta_json_sniff(const char *data, size_t len);
int hp_meta_read_json(struct hp_meta *m, const char *data, size_t len, const char *name,
		      struct hp_err *err);

#endif
