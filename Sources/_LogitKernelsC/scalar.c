// DeltaH — entropy change of softmax policies.
//
// Portable scalar kernels: every element is widened to double, exponentials use libm exp, and
// sums are formed in double per block of LK_BLOCK_ELEMENTS elements and then across blocks
// (pairwise-like error growth, ≈ (LK_BLOCK_ELEMENTS + n / LK_BLOCK_ELEMENTS)·2⁻⁵³ relative).
// This is the fallback for CPUs without AVX2/FMA and the only path for float64 rows.

#include "lk_internal.h"
#include <math.h>

/// Top two values (with multiplicity) and the number of non-finite elements of a row.
static void top_two(const unsigned char *row, int element_type, int64_t n, double *first,
                    double *second, int64_t *non_finite) {
  double m1 = -INFINITY, m2 = -INFINITY;
  int64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    double z = lk_element(row, element_type, i);
    if (!isfinite(z)) { bad++; continue; }
    if (z > m1) { m2 = m1; m1 = z; } else if (z > m2) { m2 = z; }
  }
  *first = m1;
  *second = m2;
  *non_finite = bad;
}

void lk_row_sums_scalar(const void *row_, int element_type, int64_t n, double inverse_temperature,
                        lk_row_sums *out) {
  const unsigned char *row = (const unsigned char *)row_;
  double max, second;
  int64_t bad;
  top_two(row, element_type, n, &max, &second, &bad);
  out->max_logit = max;
  out->second_logit = second;
  out->non_finite = bad;
  if (bad > 0) {
    out->s0 = out->s1 = out->s2 = out->s3 = NAN;
    return;
  }
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t start = 0; start < n; start += LK_BLOCK_ELEMENTS) {
    int64_t end = start + LK_BLOCK_ELEMENTS < n ? start + LK_BLOCK_ELEMENTS : n;
    double b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (int64_t i = start; i < end; i++) {
      double d = (lk_element(row, element_type, i) - max) * inverse_temperature;
      double e = exp(d);                   // 0 (not NaN) for d → −∞
      double ed = e == 0 ? 0 : e * d;      // avoid 0·(−∞) when |z − M|/T overflows
      b0 += e;
      b1 += ed;
      b2 += e * e;
      b3 += e * ed;
    }
    s0 += b0; s1 += b1; s2 += b2; s3 += b3;
  }
  out->s0 = s0; out->s1 = s1; out->s2 = s2; out->s3 = s3;
}

void lk_change_sums_scalar(const void *before_, const void *after_, int element_type, int64_t n,
                           double inverse_temperature, lk_change_sums *out) {
  const unsigned char *before = (const unsigned char *)before_;
  const unsigned char *after = (const unsigned char *)after_;
  double ma, mb, unused;
  int64_t bad_a, bad_b;
  top_two(before, element_type, n, &ma, &unused, &bad_a);
  top_two(after, element_type, n, &mb, &unused, &bad_b);
  out->max_before = ma;
  out->max_after = mb;
  out->non_finite = bad_a + bad_b;
  out->delta_offset = 0;  // δ = f − d
  if (bad_a + bad_b > 0) {
    out->a0 = out->a1 = out->b0 = out->b1 = NAN;
    out->m1 = out->c1 = out->m2 = out->c2 = out->phi = NAN;
    return;
  }
  double a0 = 0, a1 = 0, b0 = 0, b1 = 0, m1 = 0, c1 = 0, m2 = 0, c2 = 0, phi = 0;
  for (int64_t start = 0; start < n; start += LK_BLOCK_ELEMENTS) {
    int64_t end = start + LK_BLOCK_ELEMENTS < n ? start + LK_BLOCK_ELEMENTS : n;
    double ta0 = 0, ta1 = 0, tb0 = 0, tb1 = 0, tm1 = 0, tc1 = 0, tm2 = 0, tc2 = 0, tphi = 0;
    for (int64_t i = start; i < end; i++) {
      double d = (lk_element(before, element_type, i) - ma) * inverse_temperature;
      double f = (lk_element(after, element_type, i) - mb) * inverse_temperature;
      double ea = exp(d), eb = exp(f);
      // Terms with a zero weight are skipped so that 0·∞ never appears.
      if (ea != 0) {
        double delta = f - d;
        double ead = ea * delta;
        ta0 += ea;
        ta1 += ea * d;
        tm1 += ead;
        tc1 += ead * d;
        tm2 += ead * delta;
        tc2 += ead * delta * d;
        // ea·φ(δ); for |δ| ≥ 0.1 as ea·e^δ − ea − ea·δ with ea·e^δ = e^f = eb (never overflows).
        tphi += fabs(delta) < 0.1 ? ea * lk_phi(delta) : (eb - ea) - ead;
      } else {
        tphi += eb;  // ea·φ(δ) → e^(d+δ) = eb as ea underflows
      }
      if (eb != 0) {
        tb0 += eb;
        tb1 += eb * f;
      }
    }
    a0 += ta0; a1 += ta1; b0 += tb0; b1 += tb1; m1 += tm1; c1 += tc1; m2 += tm2; c2 += tc2;
    phi += tphi;
  }
  out->a0 = a0; out->a1 = a1; out->b0 = b0; out->b1 = b1;
  out->m1 = m1; out->c1 = c1; out->m2 = m2; out->c2 = c2;
  out->phi = phi;
}
