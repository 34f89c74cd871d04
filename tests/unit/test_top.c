#include <criterion/criterion.h>
Test(placeholder_top, builds) { cr_assert(1); }
