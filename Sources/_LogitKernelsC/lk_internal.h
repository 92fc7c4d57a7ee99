// DeltaH — entropy change of softmax policies.
//
// Private declarations shared by the scalar and AVX2 translation units of _LogitKernelsC.

#ifndef DELTAH_LOGIT_KERNELS_INTERNAL_H
#define DELTAH_LOGIT_KERNELS_INTERNAL_H

#include "_LogitKernelsC.h"
#include <stdint.h>
#include <string.h>
#include <math.h>

/// binary16 → binary32, exact (normals, subnormals, ±0, ±Inf, NaN).
static inline float lk_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1fu) {
    bits = sign | 0x7f800000u | (mantissa << 13);            // Inf / NaN (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);  // normal: bias 15 → 127
  } else if (mantissa == 0) {
    bits = sign;                                              // ±0
  } else {                                                    // subnormal: normalise
    int shift = 0;
    while ((mantissa & 0x400u) == 0) { mantissa <<= 1; shift++; }
    mantissa &= 0x3ffu;
    bits = sign | ((uint32_t)(113 - shift) << 23) | (mantissa << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/// bfloat16 → binary32, exact.
static inline float lk_bfloat_to_float(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/// Element i of a possibly unaligned row, widened to double.
static inline double lk_element(const unsigned char *row, int element_type, int64_t i) {
  switch (element_type) {
    case LK_FLOAT32: { float v; memcpy(&v, row + 4 * i, 4); return v; }
    case LK_BFLOAT16: { uint16_t v; memcpy(&v, row + 2 * i, 2); return lk_bfloat_to_float(v); }
    case LK_FLOAT16: { uint16_t v; memcpy(&v, row + 2 * i, 2); return lk_half_to_float(v); }
    default: { double v; memcpy(&v, row + 8 * i, 8); return v; }
  }
}

/// φ(t) = eᵗ − 1 − t without cancellation: t²·Σ_{n≥0} tⁿ/(n+2)! for |t| < 0.1 (terms to t¹⁰,
/// truncation < 1e-17 relative), expm1(t) − t otherwise.
static inline double lk_phi(double t) {
  if (fabs(t) >= 0.1) return expm1(t) - t;
  double term = 0.5, series = 0;
  for (int n = 0; n < 11; n++) {
    series += term;
    term *= t / (n + 3);
  }
  return t * t * series;
}

void lk_row_sums_scalar(const void *row, int element_type, int64_t n, double inverse_temperature,
                        lk_row_sums *out);
void lk_change_sums_scalar(const void *before, const void *after, int element_type, int64_t n,
                           double inverse_temperature, lk_change_sums *out);
void lk_row_sums_avx2(const void *row, int element_type, int64_t n, double inverse_temperature,
                      lk_row_sums *out);
void lk_change_sums_avx2(const void *before, const void *after, int element_type, int64_t n,
                         double inverse_temperature, lk_change_sums *out);

#endif
