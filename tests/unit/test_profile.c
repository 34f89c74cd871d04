#include <criterion/criterion.h>
Test(placeholder_profile, builds) { cr_assert(1); }
