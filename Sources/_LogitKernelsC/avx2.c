// DeltaH — entropy change of softmax policies.
//
// AVX2 + FMA kernels (function-level target attributes; dispatched at run time, so the package
// needs no machine flags). Each row takes two passes: (1) maximum, second maximum and non-finite
// count, (2) exponential sums. Pass 2 evaluates exp with the Cephes single-precision polynomial
// after a Cody–Waite reduction (≈ 2 ulp relative error), sums 8 float lanes over blocks of
// LK_BLOCK_ELEMENTS elements and adds each block into 4 double lanes, so the float rounding error
// of a sum stays ≈ 1e-7 relative regardless of the row length.

#include "lk_internal.h"
#include <immintrin.h>
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)

#define LK_AVX2 __attribute__((target("avx2,fma")))
#define LK_AVX2_F16C __attribute__((target("avx2,fma,f16c")))
#define LK_INLINE static inline __attribute__((always_inline))

// Below this argument expf is subnormal or zero; the kernel returns exactly 0 there.
#define LK_EXP_LOWER (-87.33654f)
// d is clamped from below to this finite value so that 0·d is 0 even if (z − M)/T overflows.
#define LK_D_FLOOR (-1.0e30f)

/// exp(x) for x ≤ 0: Cephes expf polynomial, Cody–Waite ln 2 split; exactly 0 for x < −87.34.
LK_INLINE LK_AVX2 __m256 lk_exp_nonpositive(__m256 x) {
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(LK_EXP_LOWER), _CMP_GE_OQ);
  x = _mm256_max_ps(x, _mm256_set1_ps(LK_EXP_LOWER));
  const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);  // 1.5·2²³ + exponent bias
  // t = round(x·log₂e) + magic: the low mantissa bits of t hold n + 127.
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
  return _mm256_and_ps(_mm256_mul_ps(p, scale), keep);
}

/// 8 elements starting at `p` (unaligned), widened to float.
LK_INLINE LK_AVX2 __m256 lk_load_f32(const unsigned char *p) {
  return _mm256_loadu_ps((const float *)p);
}
LK_INLINE LK_AVX2 __m256 lk_load_bf16(const unsigned char *p) {
  __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
LK_INLINE LK_AVX2_F16C __m256 lk_load_f16(const unsigned char *p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/// Sum of the 8 float lanes of `v` added to 4 double lanes.
LK_INLINE LK_AVX2 __m256d lk_widen_add(__m256d acc, __m256 v) {
  __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  return _mm256_add_pd(acc, _mm256_add_pd(lo, hi));
}

LK_INLINE LK_AVX2 double lk_hsum_pd(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/// Per-lane running top two (with multiplicity) and non-finite count.
typedef struct { __m256 m1, m2; __m256i bad; } lk_top2;

LK_INLINE LK_AVX2 lk_top2 lk_top2_init(void) {
  lk_top2 s = { _mm256_set1_ps(-INFINITY), _mm256_set1_ps(-INFINITY), _mm256_setzero_si256() };
  return s;
}

LK_INLINE LK_AVX2 void lk_top2_update(lk_top2 *s, __m256 v) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  __m256i bits = _mm256_and_si256(_mm256_castps_si256(v), exponent);
  s->bad = _mm256_sub_epi32(s->bad, _mm256_cmpeq_epi32(bits, exponent));  // −(−1) per non-finite
  s->m2 = _mm256_max_ps(s->m2, _mm256_min_ps(s->m1, v));
  s->m1 = _mm256_max_ps(s->m1, v);
}

/// Merges lane states and scalar tail values into the row's top two and non-finite count.
static LK_AVX2 void lk_top2_finish(const lk_top2 *states, int count, const float *tail, int tail_count,
                           double *first, double *second, int64_t *non_finite) {
  float m1 = -INFINITY, m2 = -INFINITY;
  int64_t bad = 0;
  for (int s = 0; s < count; s++) {
    float a[8], b[8];
    int32_t c[8];
    _mm256_storeu_ps(a, states[s].m1);
    _mm256_storeu_ps(b, states[s].m2);
    _mm256_storeu_si256((__m256i *)c, states[s].bad);
    for (int j = 0; j < 8; j++) {
      bad += c[j];
      // Each lane's (m1, m2) is the top two of its elements; the row's top two are among them.
      float v[2] = { a[j], b[j] };
      for (int k = 0; k < 2; k++) {
        if (v[k] > m1) { m2 = m1; m1 = v[k]; } else if (v[k] > m2) { m2 = v[k]; }
      }
    }
  }
  for (int j = 0; j < tail_count; j++) {
    float v = tail[j];
    if (!isfinite(v)) { bad++; continue; }
    if (v > m1) { m2 = m1; m1 = v; } else if (v > m2) { m2 = v; }
  }
  *first = m1;
  *second = m2;
  *non_finite = bad;
}

// The kernels are written once as macros over the element loader (LOAD), the element width in
// bytes (W) and the scalar widening (SCALAR), and instantiated per element type below.

/// d = max((z − M)·(1/T), LK_D_FLOOR) with 1/T split as hi + lo, so the scaling is accurate to
/// ≈ 1 ulp of d rather than carrying the float rounding of 1/T as a systematic temperature error.
/// If z − M overflows to −∞ the product may be NaN; MAXPS returns its second operand for a NaN
/// first operand, so d is LK_D_FLOOR then as well.
#define LK_D(z, M, HI, LO) \
  _mm256_max_ps(_mm256_fmadd_ps(_mm256_sub_ps((z), (M)), (HI), \
                                _mm256_mul_ps(_mm256_sub_ps((z), (M)), (LO))), \
                _mm256_set1_ps(LK_D_FLOOR))

#define LK_DEFINE_ROW_KERNEL(NAME, ATTR, LOAD, W, SCALAR)                                       \
  static ATTR void NAME(const unsigned char *row, int64_t n, double inverse_temperature,        \
                        lk_row_sums *out) {                                                     \
    /* Pass 1: top two and non-finite count. */                                                 \
    lk_top2 st[2] = { lk_top2_init(), lk_top2_init() };                                         \
    int64_t i = 0;                                                                              \
    for (; i + 16 <= n; i += 16) {                                                              \
      lk_top2_update(&st[0], LOAD(row + (i) * (W)));                                            \
      lk_top2_update(&st[1], LOAD(row + (i + 8) * (W)));                                        \
    }                                                                                           \
    for (; i + 8 <= n; i += 8) lk_top2_update(&st[0], LOAD(row + (i) * (W)));                   \
    float tail[8];                                                                              \
    int tail_count = 0;                                                                         \
    for (; i < n; i++) tail[tail_count++] = (float)SCALAR(row, i);                              \
    double max, second;                                                                         \
    int64_t bad;                                                                                \
    lk_top2_finish(st, 2, tail, tail_count, &max, &second, &bad);                               \
    out->max_logit = max;                                                                       \
    out->second_logit = second;                                                                 \
    out->non_finite = bad;                                                                      \
    if (bad > 0) {                                                                              \
      out->s0 = out->s1 = out->s2 = out->s3 = NAN;                                              \
      return;                                                                                   \
    }                                                                                           \
    /* Pass 2: exponential sums. */                                                             \
    const float hi_f = (float)inverse_temperature;                                              \
    const __m256 HI = _mm256_set1_ps(hi_f);                                                     \
    const __m256 LO = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));              \
    const __m256 M = _mm256_set1_ps((float)max);                                                \
    __m256d D0 = _mm256_setzero_pd(), D1 = D0, D2 = D0, D3 = D0;                                \
    for (int64_t start = 0; start < n; start += LK_BLOCK_ELEMENTS) {                            \
      const int64_t end = start + LK_BLOCK_ELEMENTS < n ? start + LK_BLOCK_ELEMENTS : n;        \
      __m256 s0a = _mm256_setzero_ps(), s1a = s0a, s2a = s0a, s3a = s0a;                        \
      __m256 s0b = s0a, s1b = s0a, s2b = s0a, s3b = s0a;                                        \
      int64_t j = start;                                                                        \
      for (; j + 16 <= end; j += 16) {                                                          \
        __m256 da = LK_D(LOAD(row + (j) * (W)), M, HI, LO);                                     \
        __m256 db = LK_D(LOAD(row + (j + 8) * (W)), M, HI, LO);                                 \
        __m256 ea = lk_exp_nonpositive(da), eb = lk_exp_nonpositive(db);                        \
        __m256 qa = _mm256_mul_ps(ea, ea), qb = _mm256_mul_ps(eb, eb);                          \
        s0a = _mm256_add_ps(s0a, ea);            s0b = _mm256_add_ps(s0b, eb);                  \
        s1a = _mm256_fmadd_ps(ea, da, s1a);      s1b = _mm256_fmadd_ps(eb, db, s1b);            \
        s2a = _mm256_add_ps(s2a, qa);            s2b = _mm256_add_ps(s2b, qb);                  \
        s3a = _mm256_fmadd_ps(qa, da, s3a);      s3b = _mm256_fmadd_ps(qb, db, s3b);            \
      }                                                                                         \
      for (; j < end; j += 8) {                                                                 \
        __m256 z;                                                                               \
        __m256 valid;                                                                           \
        if (j + 8 <= end) {                                                                     \
          z = LOAD(row + (j) * (W));                                                            \
          valid = _mm256_castsi256_ps(_mm256_set1_epi32(-1));                                   \
        } else { /* final partial vector: pad with M, then mask the padding out of d */         \
          float buffer[8];                                                                      \
          int r = (int)(end - j);                                                               \
          for (int k = 0; k < 8; k++) buffer[k] = k < r ? (float)SCALAR(row, j + k) : (float)max; \
          z = _mm256_loadu_ps(buffer);                                                          \
          valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(                                       \
              _mm256_set1_epi32(r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));                \
        }                                                                                       \
        __m256 d = _mm256_blendv_ps(_mm256_set1_ps(LK_D_FLOOR), LK_D(z, M, HI, LO), valid);     \
        __m256 e = lk_exp_nonpositive(d);                                                       \
        __m256 q = _mm256_mul_ps(e, e);                                                         \
        s0a = _mm256_add_ps(s0a, e);                                                            \
        s1a = _mm256_fmadd_ps(e, d, s1a);                                                       \
        s2a = _mm256_add_ps(s2a, q);                                                            \
        s3a = _mm256_fmadd_ps(q, d, s3a);                                                       \
      }                                                                                         \
      D0 = lk_widen_add(D0, _mm256_add_ps(s0a, s0b));                                           \
      D1 = lk_widen_add(D1, _mm256_add_ps(s1a, s1b));                                           \
      D2 = lk_widen_add(D2, _mm256_add_ps(s2a, s2b));                                           \
      D3 = lk_widen_add(D3, _mm256_add_ps(s3a, s3b));                                           \
    }                                                                                           \
    out->s0 = lk_hsum_pd(D0);                                                                   \
    out->s1 = lk_hsum_pd(D1);                                                                   \
    out->s2 = lk_hsum_pd(D2);                                                                   \
    out->s3 = lk_hsum_pd(D3);                                                                   \
  }

/// Accumulates the change sums of one vector pair of scaled, shifted logits d (before), f (after).
/// Where ea underflows to 0, δ is finite (both d and f are ≥ LK_D_FLOOR) so every product is 0.
#define LK_CHANGE_STEP(d_, f_)                                                                  \
  do {                                                                                          \
    const __m256 d = (d_), f = (f_);                                                            \
    __m256 ea = lk_exp_nonpositive(d), eb = lk_exp_nonpositive(f);                              \
    __m256 delta = _mm256_sub_ps(f, d);                                                         \
    __m256 ead = _mm256_mul_ps(ea, delta);                                                      \
    __m256 eadd = _mm256_mul_ps(ead, delta);                                                    \
    a0 = _mm256_add_ps(a0, ea);                                                                 \
    a1 = _mm256_fmadd_ps(ea, d, a1);                                                            \
    b0 = _mm256_add_ps(b0, eb);                                                                 \
    b1 = _mm256_fmadd_ps(eb, f, b1);                                                            \
    m1 = _mm256_add_ps(m1, ead);                                                                \
    c1 = _mm256_fmadd_ps(ead, d, c1);                                                           \
    m2 = _mm256_add_ps(m2, eadd);                                                               \
    c2 = _mm256_fmadd_ps(eadd, d, c2);                                                          \
  } while (0)

#define LK_DEFINE_CHANGE_KERNEL(NAME, ATTR, LOAD, W, SCALAR)                                    \
  static ATTR void NAME(const unsigned char *ra, const unsigned char *rb, int64_t n,            \
                        double inverse_temperature, lk_change_sums *out) {                      \
    lk_top2 st[2] = { lk_top2_init(), lk_top2_init() };                                         \
    int64_t i = 0;                                                                              \
    for (; i + 8 <= n; i += 8) {                                                                \
      lk_top2_update(&st[0], LOAD(ra + (i) * (W)));                                             \
      lk_top2_update(&st[1], LOAD(rb + (i) * (W)));                                             \
    }                                                                                           \
    float tail_a[8], tail_b[8];                                                                 \
    int tail_count = 0;                                                                         \
    for (; i < n; i++, tail_count++) {                                                          \
      tail_a[tail_count] = (float)SCALAR(ra, i);                                                \
      tail_b[tail_count] = (float)SCALAR(rb, i);                                                \
    }                                                                                           \
    double ma, mb, unused;                                                                      \
    int64_t bad_a, bad_b;                                                                       \
    lk_top2_finish(&st[0], 1, tail_a, tail_count, &ma, &unused, &bad_a);                        \
    lk_top2_finish(&st[1], 1, tail_b, tail_count, &mb, &unused, &bad_b);                        \
    out->max_before = ma;                                                                       \
    out->max_after = mb;                                                                        \
    out->non_finite = bad_a + bad_b;                                                            \
    if (bad_a + bad_b > 0) {                                                                    \
      out->a0 = out->a1 = out->b0 = out->b1 = NAN;                                              \
      out->m1 = out->c1 = out->m2 = out->c2 = NAN;                                              \
      return;                                                                                   \
    }                                                                                           \
    const float hi_f = (float)inverse_temperature;                                              \
    const __m256 HI = _mm256_set1_ps(hi_f);                                                     \
    const __m256 LO = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));              \
    const __m256 MA = _mm256_set1_ps((float)ma), MB = _mm256_set1_ps((float)mb);                \
    __m256d A0 = _mm256_setzero_pd(), A1 = A0, B0 = A0, B1 = A0, M1 = A0, C1 = A0, M2 = A0,    \
            C2 = A0;                                                                            \
    for (int64_t start = 0; start < n; start += LK_BLOCK_ELEMENTS) {                            \
      const int64_t end = start + LK_BLOCK_ELEMENTS < n ? start + LK_BLOCK_ELEMENTS : n;        \
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, m1 = a0, c1 = a0, m2 = a0,   \
             c2 = a0;                                                                           \
      int64_t j = start;                                                                        \
      for (; j + 8 <= end; j += 8) {                                                            \
        LK_CHANGE_STEP(LK_D(LOAD(ra + (j) * (W)), MA, HI, LO),                                  \
                       LK_D(LOAD(rb + (j) * (W)), MB, HI, LO));                                 \
      }                                                                                         \
      if (j < end) { /* final partial vector: pad with the maxima, then set d = f = floor */   \
        float buffer_a[8], buffer_b[8];                                                         \
        int r = (int)(end - j);                                                                 \
        for (int k = 0; k < 8; k++) {                                                           \
          buffer_a[k] = k < r ? (float)SCALAR(ra, j + k) : (float)ma;                           \
          buffer_b[k] = k < r ? (float)SCALAR(rb, j + k) : (float)mb;                           \
        }                                                                                       \
        __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(                                  \
            _mm256_set1_epi32(r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));                  \
        const __m256 d_floor = _mm256_set1_ps(LK_D_FLOOR);                                        \
        LK_CHANGE_STEP(_mm256_blendv_ps(d_floor, LK_D(_mm256_loadu_ps(buffer_a), MA, HI, LO), valid), \
                       _mm256_blendv_ps(d_floor, LK_D(_mm256_loadu_ps(buffer_b), MB, HI, LO), valid)); \
      }                                                                                         \
      A0 = lk_widen_add(A0, a0); A1 = lk_widen_add(A1, a1);                                     \
      B0 = lk_widen_add(B0, b0); B1 = lk_widen_add(B1, b1);                                     \
      M1 = lk_widen_add(M1, m1); C1 = lk_widen_add(C1, c1);                                     \
      M2 = lk_widen_add(M2, m2); C2 = lk_widen_add(C2, c2);                                     \
    }                                                                                           \
    out->a0 = lk_hsum_pd(A0); out->a1 = lk_hsum_pd(A1);                                         \
    out->b0 = lk_hsum_pd(B0); out->b1 = lk_hsum_pd(B1);                                         \
    out->m1 = lk_hsum_pd(M1); out->c1 = lk_hsum_pd(C1);                                         \
    out->m2 = lk_hsum_pd(M2); out->c2 = lk_hsum_pd(C2);                                         \
  }

#define LK_SCALAR_F32(row, i) lk_element((row), LK_FLOAT32, (i))
#define LK_SCALAR_BF16(row, i) lk_element((row), LK_BFLOAT16, (i))
#define LK_SCALAR_F16(row, i) lk_element((row), LK_FLOAT16, (i))

LK_DEFINE_ROW_KERNEL(lk_row_f32, LK_AVX2, lk_load_f32, 4, LK_SCALAR_F32)
LK_DEFINE_ROW_KERNEL(lk_row_bf16, LK_AVX2, lk_load_bf16, 2, LK_SCALAR_BF16)
LK_DEFINE_ROW_KERNEL(lk_row_f16, LK_AVX2_F16C, lk_load_f16, 2, LK_SCALAR_F16)
LK_DEFINE_CHANGE_KERNEL(lk_change_f32, LK_AVX2, lk_load_f32, 4, LK_SCALAR_F32)
LK_DEFINE_CHANGE_KERNEL(lk_change_bf16, LK_AVX2, lk_load_bf16, 2, LK_SCALAR_BF16)
LK_DEFINE_CHANGE_KERNEL(lk_change_f16, LK_AVX2_F16C, lk_load_f16, 2, LK_SCALAR_F16)

void lk_row_sums_avx2(const void *row, int element_type, int64_t n, double inverse_temperature,
                      lk_row_sums *out) {
  switch (element_type) {
    case LK_FLOAT32: lk_row_f32((const unsigned char *)row, n, inverse_temperature, out); break;
    case LK_BFLOAT16: lk_row_bf16((const unsigned char *)row, n, inverse_temperature, out); break;
    case LK_FLOAT16: lk_row_f16((const unsigned char *)row, n, inverse_temperature, out); break;
    default: lk_row_sums_scalar(row, element_type, n, inverse_temperature, out); break;
  }
}

void lk_change_sums_avx2(const void *before, const void *after, int element_type, int64_t n,
                         double inverse_temperature, lk_change_sums *out) {
  const unsigned char *a = (const unsigned char *)before, *b = (const unsigned char *)after;
  switch (element_type) {
    case LK_FLOAT32: lk_change_f32(a, b, n, inverse_temperature, out); break;
    case LK_BFLOAT16: lk_change_bf16(a, b, n, inverse_temperature, out); break;
    case LK_FLOAT16: lk_change_f16(a, b, n, inverse_temperature, out); break;
    default: lk_change_sums_scalar(before, after, element_type, n, inverse_temperature, out); break;
  }
}

#else  // not x86: the dispatcher never selects these.

void lk_row_sums_avx2(const void *row, int element_type, int64_t n, double inverse_temperature,
                      lk_row_sums *out) {
  lk_row_sums_scalar(row, element_type, n, inverse_temperature, out);
}

void lk_change_sums_avx2(const void *before, const void *after, int element_type, int64_t n,
                         double inverse_temperature, lk_change_sums *out) {
  lk_change_sums_scalar(before, after, element_type, n, inverse_temperature, out);
}

#endif
