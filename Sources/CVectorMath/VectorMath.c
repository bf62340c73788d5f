/* The hot elementwise kernel of the networks, in C only so that it can be compiled
 * for several instruction sets and dispatched at load time (target_clones); Swift
 * has no per-function target attribute. No contraction into FMA: every clone then
 * rounds exactly as the baseline build does. */
#include "CVectorMath.h"

#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__ELF__)
#define CF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CF_CLONES
#endif

static inline double two_to(double shifted) {
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 1023) << 52;
    double result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

/* tanh x = (e^{2|x|} − 1)/(e^{2|x|} + 1), signed; e^y = 2^k (1 + q) with q = e^r − 1
 * by its Taylor series to r^13 on |r| ≤ ln2/2; |x| saturates at 19; NaN passes. */
CF_CLONES
void cf_vector_tanh(double *values, ptrdiff_t count) {
    const double ln2High = 0.69314718036912381649;
    const double ln2Low = 1.90821492927058770002e-10;
    /* The SSE2 baseline's cost model declines this loop unless asked. */
#pragma clang loop vectorize(enable)
    for (ptrdiff_t i = 0; i < count; i++) {
        double x = values[i];
        double magnitudeOfX = __builtin_fabs(x);
        double clamped = 19.0 < magnitudeOfX ? 19.0 : magnitudeOfX;
        double y = x != x ? 0.0 : 2 * clamped;
        double shifted = y * 1.442695040888963387 + 0x1.8p52;
        double k = shifted - 0x1.8p52;
        double r = (y - k * ln2High) - k * ln2Low;
        double q = 1.0 / 6227020800.0;
        q = q * r + 1.0 / 479001600.0;
        q = q * r + 1.0 / 39916800.0;
        q = q * r + 1.0 / 3628800.0;
        q = q * r + 1.0 / 362880.0;
        q = q * r + 1.0 / 40320.0;
        q = q * r + 1.0 / 5040.0;
        q = q * r + 1.0 / 720.0;
        q = q * r + 1.0 / 120.0;
        q = q * r + 1.0 / 24.0;
        q = q * r + 1.0 / 6.0;
        q = q * r + 0.5;
        q = q * r + 1;
        q = q * r;
        double twoToK = two_to(shifted);
        double numerator = twoToK * q + (twoToK - 1);
        double magnitude = numerator / (numerator + 2);
        values[i] = x != x ? x : (x < 0 ? -magnitude : magnitude);
    }
}
