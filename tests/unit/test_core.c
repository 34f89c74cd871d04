#include <criterion/criterion.h>
Test(placeholder_core, builds) { cr_assert(1); }
