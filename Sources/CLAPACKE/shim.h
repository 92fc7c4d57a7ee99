#pragma once
#include <lapacke.h>
// `lapack_int` is a macro (int32_t unless LAPACK_ILP64); Swift imports no type macros.
typedef lapack_int clapack_int;
