/* layout_tables.h - the built-in per-version tables (internal to src/sampler). */
#ifndef HP_SAMPLER_LAYOUT_TABLES_H
#define HP_SAMPLER_LAYOUT_TABLES_H

#include "sampler/pylayout.h"

extern const struct hp_pylayout hp_pylayout_38;
extern const struct hp_pylayout hp_pylayout_39;
extern const struct hp_pylayout hp_pylayout_310;
extern const struct hp_pylayout hp_pylayout_311;
extern const struct hp_pylayout hp_pylayout_312;

#endif
