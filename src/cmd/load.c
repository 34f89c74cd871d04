#include "cmd/load.h"

#include "cmd/cli.h"
#include "profile/folded.h"

int hp_load_profile(const char *path, const struct hp_load_opts *o, struct hp_profile *p)
{
	struct hp_folded_opts fo = HP_FOLDED_OPTS_INIT;
	struct hp_folded_stats st;
	struct hp_err err;

	fo.strict = o && o->strict;
	fo.countname = o ? o->countname : NULL;
	if (hp_folded_read_file(p, path, &fo, &st, &err))
		return hp_error_from(&err);
	if (st.malformed)
		hp_warning("'%s': skipped %zu malformed line%s (first at line %zu; --strict makes this an error)",
			   path, st.malformed, st.malformed == 1 ? "" : "s", st.first_malformed);
	return 0;
}
