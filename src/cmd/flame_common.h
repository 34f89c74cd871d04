/*
 * flame_common.h - option parsing shared by `flame` and `diff`.
 */
#ifndef HP_CMD_FLAME_COMMON_H
#define HP_CMD_FLAME_COMMON_H

#include "report/flame.h"

/* "0.1" pixels or "0.5%" of the total into o->minwidth(_fraction);
 * returns -1 when s is not such a value. */
int hp_flame_parse_minwidth(const char *s, struct hp_flame_opts *o);

#endif
