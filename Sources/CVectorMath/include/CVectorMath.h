#ifndef CAUSALFAIR_CVECTORMATH_H
#define CAUSALFAIR_CVECTORMATH_H

#include <stddef.h>

/// tanh of `count` doubles in place (see VectorMath.tanh in CausalFairCore for the
/// method and its accuracy). Compiled once per instruction set and chosen when the
/// library loads; every variant performs the same IEEE operations in the same order,
/// so results are bit-identical on every x86-64 machine.
void cf_vector_tanh(double *values, ptrdiff_t count);

#endif
