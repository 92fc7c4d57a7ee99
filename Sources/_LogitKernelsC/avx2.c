// DeltaH — entropy change of softmax policies.
//
// AVX2 + FMA + F16C kernels (function-level target attributes; dispatched at run time, so the
// package needs no machine flags). A row is streamed once in blocks: each block is scanned for
// the maximum (and second maximum) and non-finite elements, then its exponential sums are formed
// while it is still in L1. Exp is evaluated with
// the Cephes single-precision polynomial after a Cody–Waite reduction (≈ 2 ulp relative error);
// sums are kept in 8 float lanes within a block of LK_BLOCK_ELEMENTS elements and in double
// across blocks, so the float rounding error of a sum stays ≈ 1e-7 relative for any row length.

#include "lk_internal.h"
#include <immintrin.h>
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)

// Every AVX2 function also enables F16C: all AVX2 CPUs have it, and the dispatcher checks it.
#define LK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LK_INLINE static inline __attribute__((always_inline))

// exp argument clamp: at −88, round(x·log₂e) = −127, whose biased exponent field is 0, so the
// 2ⁿ factor below — and the result — is exactly +0 (true values < 1.2e-38 flush to zero).
#define LK_EXP_FLOOR (-88.0f)
// d is clamped from below to this finite value so that 0·d is 0 even if (z − M)/T overflows.
#define LK_D_FLOOR (-1.0e30f)

/// exp(x) for x ≤ 0: Cephes expf polynomial after a Cody–Waite ln 2 split (≈ 2 ulp for
/// x ≥ −87.3); exactly 0 for x ≤ −88.
LK_INLINE LK_AVX2 __m256 lk_exp_nonpositive(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(LK_EXP_FLOOR));
  const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);  // 1.5·2²³ + exponent bias
  // t = round(x·log₂e) + magic: the low mantissa bits of t hold n + 127 ∈ [0, 127].
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
  return _mm256_mul_ps(p, scale);
}

/// 8 elements of `type` starting at `p` (unaligned), widened to float. `type` is a constant
/// after inlining, so the switch disappears.
LK_INLINE LK_AVX2 __m256 lk_load8(const unsigned char *p, const int type) {
  switch (type) {
    case LK_FLOAT32:
      return _mm256_loadu_ps((const float *)p);
    case LK_BFLOAT16: {
      __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
      return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
    }
    default:
      return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
  }
}

/// The last `count` < 8 elements at `p`, widened to float; lanes ≥ count hold `fill`.
LK_INLINE LK_AVX2 __m256 lk_load_partial(const unsigned char *p, const int type, int count,
                                         float fill) {
  float buffer[8];
  for (int k = 0; k < 8; k++) buffer[k] = k < count ? (float)lk_element(p, type, k) : fill;
  return _mm256_loadu_ps(buffer);
}

/// All-ones in lanes < count.
LK_INLINE LK_AVX2 __m256 lk_lanes_below(int count) {
  return _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

/// d = max((z − M)·(1/T), LK_D_FLOOR). For T ≠ 1 the factor 1/T is split as hi + lo, so the
/// scaling is accurate to ≈ 1 ulp of d instead of carrying the float rounding of 1/T as a
/// systematic temperature error. If z − M overflows to −∞ the product may be NaN; MAXPS returns
/// its second operand for a NaN first operand, so d is LK_D_FLOOR then as well.
LK_INLINE LK_AVX2 __m256 lk_shifted(__m256 z, __m256 m, __m256 hi, __m256 lo, const int scaled) {
  __m256 d = _mm256_sub_ps(z, m);
  if (scaled) d = _mm256_fmadd_ps(d, hi, _mm256_mul_ps(d, lo));
  return _mm256_max_ps(d, _mm256_set1_ps(LK_D_FLOOR));
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

/// lk_top2_update on the lanes selected by `valid` only (the others are ignored).
LK_INLINE LK_AVX2 void lk_top2_update_masked(lk_top2 *s, __m256 v, __m256 valid) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  __m256i bits = _mm256_and_si256(_mm256_castps_si256(v), exponent);
  __m256i hit = _mm256_and_si256(_mm256_cmpeq_epi32(bits, exponent), _mm256_castps_si256(valid));
  s->bad = _mm256_sub_epi32(s->bad, hit);
  v = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), v, valid);
  s->m2 = _mm256_max_ps(s->m2, _mm256_min_ps(s->m1, v));
  s->m1 = _mm256_max_ps(s->m1, v);
}

/// Merges lane states and the scalar tail into the row's top two and non-finite count.
static LK_AVX2 void lk_top2_finish(const lk_top2 *states, int count, const unsigned char *tail,
                                   int type, int tail_count, double *first, double *second,
                                   int64_t *non_finite) {
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
    float v = (float)lk_element(tail, type, j);
    if (!isfinite(v)) { bad++; continue; }
    if (v > m1) { m2 = m1; m1 = v; } else if (v > m2) { m2 = v; }
  }
  *first = m1;
  *second = m2;
  *non_finite = bad;
}

/// Exp sums of one block [j, end) relative to the running maximum `m` (all d ≤ 0), added into
/// the double accumulators D[0…3] = S0…S3 after the float lanes are summed.
LK_INLINE LK_AVX2 void lk_row_block_sums(const unsigned char *row, const int type, int64_t j,
                                         int64_t end, float max, __m256 hi, __m256 lo,
                                         const int scaled, double *D) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  const __m256 m = _mm256_set1_ps(max);
  __m256 s0a = _mm256_setzero_ps(), s1a = s0a, s2a = s0a, s3a = s0a;
  __m256 s0b = s0a, s1b = s0a, s2b = s0a, s3b = s0a;
  for (; j + 16 <= end; j += 16) {
    // The next block is scanned right after this one: fetch it while the exps run.
    _mm_prefetch((const char *)(row + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
    __m256 da = lk_shifted(lk_load8(row + j * w, type), m, hi, lo, scaled);
    __m256 db = lk_shifted(lk_load8(row + (j + 8) * w, type), m, hi, lo, scaled);
    __m256 ea = lk_exp_nonpositive(da), eb = lk_exp_nonpositive(db);
    __m256 qa = _mm256_mul_ps(ea, ea), qb = _mm256_mul_ps(eb, eb);
    s0a = _mm256_add_ps(s0a, ea);
    s0b = _mm256_add_ps(s0b, eb);
    s1a = _mm256_fmadd_ps(ea, da, s1a);
    s1b = _mm256_fmadd_ps(eb, db, s1b);
    s2a = _mm256_add_ps(s2a, qa);
    s2b = _mm256_add_ps(s2b, qb);
    s3a = _mm256_fmadd_ps(qa, da, s3a);
    s3b = _mm256_fmadd_ps(qb, db, s3b);
  }
  for (; j < end; j += 8) {
    __m256 d;
    if (j + 8 <= end) {
      d = lk_shifted(lk_load8(row + j * w, type), m, hi, lo, scaled);
    } else {  // final partial vector: padding lanes get d = LK_D_FLOOR, hence e = 0
      int r = (int)(end - j);
      d = _mm256_blendv_ps(_mm256_set1_ps(LK_D_FLOOR),
                           lk_shifted(lk_load_partial(row + j * w, type, r, max), m, hi, lo, scaled),
                           lk_lanes_below(r));
    }
    __m256 e = lk_exp_nonpositive(d);
    __m256 q = _mm256_mul_ps(e, e);
    s0a = _mm256_add_ps(s0a, e);
    s1a = _mm256_fmadd_ps(e, d, s1a);
    s2a = _mm256_add_ps(s2a, q);
    s3a = _mm256_fmadd_ps(q, d, s3a);
  }
  const __m256d zero = _mm256_setzero_pd();
  D[0] += lk_hsum_pd(lk_widen_add(zero, _mm256_add_ps(s0a, s0b)));
  D[1] += lk_hsum_pd(lk_widen_add(zero, _mm256_add_ps(s1a, s1b)));
  D[2] += lk_hsum_pd(lk_widen_add(zero, _mm256_add_ps(s2a, s2b)));
  D[3] += lk_hsum_pd(lk_widen_add(zero, _mm256_add_ps(s3a, s3b)));
}

/// One row in a single streaming pass over blocks of LK_BLOCK_ELEMENTS elements: each block is
/// first scanned (top two, non-finite count, running maximum M) and then, while it is still in
/// L1, summed with d = (z − M)/T. When M grows by s (in units of z/T) the sums so far are
/// rescaled in double to the new reference: with c = e^(−s),
///
///     S0 ← c S0,  S1 ← c (S1 − s S0),  S2 ← c² S2,  S3 ← c² (S3 − s S2)
///
/// which is exact algebra (Σ e^(d−s)(d − s) etc.). Reading each row from memory once instead of
/// twice is worth ~1.3–1.5× on rows larger than L2.
/// Running state of lk_row_pass.
typedef struct {
  lk_top2 st[2];
  double D[4];     // S0…S3 relative to `running`
  float running;   // maximum of the blocks seen so far
  int finite;      // no non-finite element seen so far
} lk_row_state;

/// Scans and sums the block of `len` elements at `b` (see lk_row_pass). Inlined twice, with
/// len = LK_BLOCK_ELEMENTS (constant trip counts) and with the length of the last block.
LK_INLINE LK_AVX2 void lk_row_block(lk_row_state *state, const unsigned char *b, const int type,
                                    const int64_t len, int first, double inverse_temperature,
                                    __m256 hi, __m256 lo, const int scaled) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  int64_t i = 0;
  for (; i + 16 <= len; i += 16) {
    lk_top2_update(&state->st[0], lk_load8(b + i * w, type));
    lk_top2_update(&state->st[1], lk_load8(b + (i + 8) * w, type));
  }
  for (; i + 8 <= len; i += 8) lk_top2_update(&state->st[0], lk_load8(b + i * w, type));
  if (i < len) {
    int r = (int)(len - i);
    lk_top2_update_masked(&state->st[1], lk_load_partial(b + i * w, type, r, 0.0f),
                          lk_lanes_below(r));
  }
  if (!state->finite) return;  // keep counting non-finite elements, skip the sums
  __m256i bad = _mm256_or_si256(state->st[0].bad, state->st[1].bad);
  if (!_mm256_testz_si256(bad, bad)) {
    state->finite = 0;
    return;
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_max_ps(state->st[0].m1, state->st[1].m1));
  float block_max = lanes[0];
  for (int k = 1; k < 8; k++) block_max = lanes[k] > block_max ? lanes[k] : block_max;
  if (block_max > state->running) {
    if (!first) {
      double *D = state->D;
      const double s = ((double)block_max - (double)state->running) * inverse_temperature;
      const double c = exp(-s), c2 = c * c;
      D[1] = c * (D[1] - s * D[0]);
      D[0] *= c;
      D[3] = c2 * (D[3] - s * D[2]);
      D[2] *= c2;
    }
    state->running = block_max;
  }
  lk_row_block_sums(b, type, 0, len, state->running, hi, lo, scaled, state->D);
}

/// One row in a single streaming pass over blocks of LK_BLOCK_ELEMENTS elements: each block is
/// first scanned (top two, non-finite count, running maximum M) and then, while it is still in
/// L1, summed with d = (z − M)/T. When M grows by s (in units of z/T) the sums so far are
/// rescaled in double to the new reference: with c = e^(−s),
///
///     S0 ← c S0,  S1 ← c (S1 − s S0),  S2 ← c² S2,  S3 ← c² (S3 − s S2)
///
/// which is exact algebra (Σ e^(d−s)(d − s) etc.). Reading each row from memory once instead of
/// twice is worth ~1.3–1.5× on rows larger than L2.
LK_INLINE LK_AVX2 void lk_row_pass(const unsigned char *row, const int type, int64_t n,
                                   double inverse_temperature, const int scaled,
                                   lk_row_sums *out) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  const float hi_f = (float)inverse_temperature;
  const __m256 hi = _mm256_set1_ps(hi_f);
  const __m256 lo = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));
  lk_row_state state = { { lk_top2_init(), lk_top2_init() }, { 0, 0, 0, 0 }, -INFINITY, 1 };
  int64_t start = 0;
  for (; start + LK_BLOCK_ELEMENTS <= n; start += LK_BLOCK_ELEMENTS) {
    lk_row_block(&state, row + start * w, type, LK_BLOCK_ELEMENTS, start == 0,
                 inverse_temperature, hi, lo, scaled);
  }
  if (start < n) {
    lk_row_block(&state, row + start * w, type, n - start, start == 0, inverse_temperature, hi,
                 lo, scaled);
  }
  double max, second;
  int64_t bad;
  lk_top2_finish(state.st, 2, row, type, 0, &max, &second, &bad);
  out->max_logit = max;
  out->second_logit = second;
  out->non_finite = bad;
  if (bad > 0) {
    out->s0 = out->s1 = out->s2 = out->s3 = NAN;
  } else {
    out->s0 = state.D[0];
    out->s1 = state.D[1];
    out->s2 = state.D[2];
    out->s3 = state.D[3];
  }
}

LK_INLINE LK_AVX2 void lk_row(const unsigned char *row, const int type, int64_t n,
                              double inverse_temperature, lk_row_sums *out) {
  if (inverse_temperature == 1.0) {
    lk_row_pass(row, type, n, inverse_temperature, 0, out);
  } else {
    lk_row_pass(row, type, n, inverse_temperature, 1, out);
  }
}

/// Change sums of one vector pair: d, f are the shifted logits of a and b (≥ LK_D_FLOOR) and
/// δ = f − d + k. Where ea underflows to 0, δ is finite, so every product with ea is 0.
typedef struct { __m256 a0, a1, b0, b1, m1, c1, m2, c2; } lk_change_lanes;

LK_INLINE LK_AVX2 void lk_change_step(lk_change_lanes *s, __m256 d, __m256 f, __m256 k) {
  __m256 ea = lk_exp_nonpositive(d), eb = lk_exp_nonpositive(f);
  __m256 delta = _mm256_add_ps(_mm256_sub_ps(f, d), k);
  __m256 ead = _mm256_mul_ps(ea, delta);
  __m256 eadd = _mm256_mul_ps(ead, delta);
  s->a0 = _mm256_add_ps(s->a0, ea);
  s->a1 = _mm256_fmadd_ps(ea, d, s->a1);
  s->b0 = _mm256_add_ps(s->b0, eb);
  s->b1 = _mm256_fmadd_ps(eb, f, s->b1);
  s->m1 = _mm256_add_ps(s->m1, ead);
  s->c1 = _mm256_fmadd_ps(ead, d, s->c1);
  s->m2 = _mm256_add_ps(s->m2, eadd);
  s->c2 = _mm256_fmadd_ps(eadd, d, s->c2);
}

/// Running state of lk_change_pass. D = {a0, a1, b0, b1, m1, c1, m2, c2} (lk_change_sums order).
typedef struct {
  __m256 ma, mb;     // per-lane running maxima of a and b
  __m256i bad;       // per-lane non-finite counts (a and b together)
  double D[8];
  float run_a, run_b;
  double kappa;      // fixed offset: δ = Δ − κ throughout the row
  int finite;
} lk_change_state;

LK_INLINE LK_AVX2 void lk_scan_max(__m256 *m, __m256i *bad, __m256 v) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  __m256i bits = _mm256_and_si256(_mm256_castps_si256(v), exponent);
  *bad = _mm256_sub_epi32(*bad, _mm256_cmpeq_epi32(bits, exponent));
  *m = _mm256_max_ps(*m, v);
}

LK_INLINE LK_AVX2 float lk_hmax(__m256 v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float m = lanes[0];
  for (int k = 1; k < 8; k++) m = lanes[k] > m ? lanes[k] : m;
  return m;
}

/// Scans and sums the blocks of `len` elements at `ba`, `bb` (see lk_change_pass).
LK_INLINE LK_AVX2 void lk_change_block(lk_change_state *st, const unsigned char *ba,
                                       const unsigned char *bb, const int type, const int64_t len,
                                       int first, double inverse_temperature, __m256 hi,
                                       __m256 lo, const int scaled) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    lk_scan_max(&st->ma, &st->bad, lk_load8(ba + i * w, type));
    lk_scan_max(&st->mb, &st->bad, lk_load8(bb + i * w, type));
  }
  int r = (int)(len - i);
  if (r > 0) {  // padding lanes repeat a real element, which changes neither max nor count
    const __m256 valid = lk_lanes_below(r);
    __m256 va = lk_load_partial(ba + i * w, type, r, (float)lk_element(ba, type, i));
    __m256 vb = lk_load_partial(bb + i * w, type, r, (float)lk_element(bb, type, i));
    const __m256i exponent = _mm256_set1_epi32(0x7f800000);
    // −1 per non-finite element of a and of b in each lane
    __m256i hits = _mm256_add_epi32(
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(va), exponent), exponent),
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(vb), exponent), exponent));
    st->bad = _mm256_sub_epi32(st->bad, _mm256_and_si256(hits, _mm256_castps_si256(valid)));
    st->ma = _mm256_max_ps(st->ma, va);
    st->mb = _mm256_max_ps(st->mb, vb);
  }
  if (!st->finite) return;
  if (!_mm256_testz_si256(st->bad, st->bad)) {
    st->finite = 0;
    return;
  }
  const float ma = lk_hmax(st->ma), mb = lk_hmax(st->mb);
  double *D = st->D;
  if (first) {
    st->kappa = ((double)mb - (double)ma) * inverse_temperature;
  } else {
    if (ma > st->run_a) {  // rescale the a-weighted sums: d → d − s, e_a → e_a·e^(−s)
      const double s = ((double)ma - (double)st->run_a) * inverse_temperature, c = exp(-s);
      D[1] = c * (D[1] - s * D[0]);
      D[0] *= c;
      D[5] = c * (D[5] - s * D[4]);
      D[4] *= c;
      D[7] = c * (D[7] - s * D[6]);
      D[6] *= c;
    }
    if (mb > st->run_b) {
      const double s = ((double)mb - (double)st->run_b) * inverse_temperature, c = exp(-s);
      D[3] = c * (D[3] - s * D[2]);
      D[2] *= c;
    }
  }
  st->run_a = ma;  // maxima only grow
  st->run_b = mb;
  // δ = Δ − κ = f − d + [(Mb − Ma)/T − κ]
  const __m256 k = _mm256_set1_ps(
      (float)(((double)mb - (double)ma) * inverse_temperature - st->kappa));
  const __m256 vma = _mm256_set1_ps(ma), vmb = _mm256_set1_ps(mb);
  const __m256 zero = _mm256_setzero_ps();
  lk_change_lanes s = { zero, zero, zero, zero, zero, zero, zero, zero };
  int64_t j = 0;
  for (; j + 8 <= len; j += 8) {
    _mm_prefetch((const char *)(ba + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
    _mm_prefetch((const char *)(bb + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
    lk_change_step(&s, lk_shifted(lk_load8(ba + j * w, type), vma, hi, lo, scaled),
                   lk_shifted(lk_load8(bb + j * w, type), vmb, hi, lo, scaled), k);
  }
  if (r > 0) {  // final partial vector: padding lanes get d = f = LK_D_FLOOR
    const __m256 valid = lk_lanes_below(r), floor_d = _mm256_set1_ps(LK_D_FLOOR);
    __m256 d = lk_shifted(lk_load_partial(ba + j * w, type, r, ma), vma, hi, lo, scaled);
    __m256 f = lk_shifted(lk_load_partial(bb + j * w, type, r, mb), vmb, hi, lo, scaled);
    lk_change_step(&s, _mm256_blendv_ps(floor_d, d, valid), _mm256_blendv_ps(floor_d, f, valid),
                   k);
  }
  const __m256d z = _mm256_setzero_pd();
  D[0] += lk_hsum_pd(lk_widen_add(z, s.a0));
  D[1] += lk_hsum_pd(lk_widen_add(z, s.a1));
  D[2] += lk_hsum_pd(lk_widen_add(z, s.b0));
  D[3] += lk_hsum_pd(lk_widen_add(z, s.b1));
  D[4] += lk_hsum_pd(lk_widen_add(z, s.m1));
  D[5] += lk_hsum_pd(lk_widen_add(z, s.c1));
  D[6] += lk_hsum_pd(lk_widen_add(z, s.m2));
  D[7] += lk_hsum_pd(lk_widen_add(z, s.c2));
}

/// Both rows in one streaming pass over blocks, as lk_row_pass: scan a block of a and b (running
/// maxima Ma, Mb, non-finite count), then sum it with d = (a − Ma)/T, f = (b − Mb)/T and
/// δ = Δ − κ, where κ = (Mb − Ma)/T of the first block is fixed for the row (no statistic depends
/// on a constant in δ). When Ma grows by s the a-weighted sums are rescaled exactly
/// (c = e^(−s)): a0 ← c a0, a1 ← c(a1 − s a0), m1 ← c m1, c1 ← c(c1 − s m1), m2 ← c m2,
/// c2 ← c(c2 − s m2); when Mb grows, b0 and b1 likewise.
LK_INLINE LK_AVX2 void lk_change_pass(const unsigned char *ra, const unsigned char *rb,
                                      const int type, int64_t n, double inverse_temperature,
                                      const int scaled, lk_change_sums *out) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  const float hi_f = (float)inverse_temperature;
  const __m256 hi = _mm256_set1_ps(hi_f);
  const __m256 lo = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));
  lk_change_state st = { _mm256_set1_ps(-INFINITY), _mm256_set1_ps(-INFINITY),
                         _mm256_setzero_si256(), { 0, 0, 0, 0, 0, 0, 0, 0 },
                         -INFINITY, -INFINITY, 0, 1 };
  int64_t start = 0;
  for (; start + LK_BLOCK_ELEMENTS <= n; start += LK_BLOCK_ELEMENTS) {
    lk_change_block(&st, ra + start * w, rb + start * w, type, LK_BLOCK_ELEMENTS, start == 0,
                    inverse_temperature, hi, lo, scaled);
  }
  if (start < n) {
    lk_change_block(&st, ra + start * w, rb + start * w, type, n - start, start == 0,
                    inverse_temperature, hi, lo, scaled);
  }
  int32_t counts[8];
  _mm256_storeu_si256((__m256i *)counts, st.bad);
  int64_t bad = 0;
  for (int k = 0; k < 8; k++) bad += counts[k];
  out->max_before = lk_hmax(st.ma);
  out->max_after = lk_hmax(st.mb);
  out->delta_offset = (out->max_after - out->max_before) * inverse_temperature - st.kappa;
  out->non_finite = bad;
  if (bad > 0) {
    out->a0 = out->a1 = out->b0 = out->b1 = NAN;
    out->m1 = out->c1 = out->m2 = out->c2 = NAN;
  } else {
    out->a0 = st.D[0]; out->a1 = st.D[1]; out->b0 = st.D[2]; out->b1 = st.D[3];
    out->m1 = st.D[4]; out->c1 = st.D[5]; out->m2 = st.D[6]; out->c2 = st.D[7];
  }
}

LK_INLINE LK_AVX2 void lk_change(const unsigned char *ra, const unsigned char *rb, const int type,
                                 int64_t n, double inverse_temperature, lk_change_sums *out) {
  if (inverse_temperature == 1.0) {
    lk_change_pass(ra, rb, type, n, inverse_temperature, 0, out);
  } else {
    lk_change_pass(ra, rb, type, n, inverse_temperature, 1, out);
  }
}

// One out-of-line instance per element type; `type` is a constant inside each.
static LK_AVX2 void lk_row_f32(const void *r, int64_t n, double t, lk_row_sums *o) {
  lk_row((const unsigned char *)r, LK_FLOAT32, n, t, o);
}
static LK_AVX2 void lk_row_bf16(const void *r, int64_t n, double t, lk_row_sums *o) {
  lk_row((const unsigned char *)r, LK_BFLOAT16, n, t, o);
}
static LK_AVX2 void lk_row_f16(const void *r, int64_t n, double t, lk_row_sums *o) {
  lk_row((const unsigned char *)r, LK_FLOAT16, n, t, o);
}
static LK_AVX2 void lk_change_f32(const void *a, const void *b, int64_t n, double t,
                                  lk_change_sums *o) {
  lk_change((const unsigned char *)a, (const unsigned char *)b, LK_FLOAT32, n, t, o);
}
static LK_AVX2 void lk_change_bf16(const void *a, const void *b, int64_t n, double t,
                                   lk_change_sums *o) {
  lk_change((const unsigned char *)a, (const unsigned char *)b, LK_BFLOAT16, n, t, o);
}
static LK_AVX2 void lk_change_f16(const void *a, const void *b, int64_t n, double t,
                                  lk_change_sums *o) {
  lk_change((const unsigned char *)a, (const unsigned char *)b, LK_FLOAT16, n, t, o);
}

void lk_row_sums_avx2(const void *row, int element_type, int64_t n, double inverse_temperature,
                      lk_row_sums *out) {
  switch (element_type) {
    case LK_FLOAT32: lk_row_f32(row, n, inverse_temperature, out); break;
    case LK_BFLOAT16: lk_row_bf16(row, n, inverse_temperature, out); break;
    case LK_FLOAT16: lk_row_f16(row, n, inverse_temperature, out); break;
    default: lk_row_sums_scalar(row, element_type, n, inverse_temperature, out); break;
  }
}

void lk_change_sums_avx2(const void *before, const void *after, int element_type, int64_t n,
                         double inverse_temperature, lk_change_sums *out) {
  switch (element_type) {
    case LK_FLOAT32: lk_change_f32(before, after, n, inverse_temperature, out); break;
    case LK_BFLOAT16: lk_change_bf16(before, after, n, inverse_temperature, out); break;
    case LK_FLOAT16: lk_change_f16(before, after, n, inverse_temperature, out); break;
    default:
      lk_change_sums_scalar(before, after, element_type, n, inverse_temperature, out);
      break;
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
