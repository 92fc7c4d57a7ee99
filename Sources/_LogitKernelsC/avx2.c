// DeltaH — entropy change of softmax policies.
//
// AVX2 + FMA + F16C kernels (function-level target attributes; dispatched at run time, so the
// package needs no machine flags).
//
// A row is streamed once, in blocks of LK_BLOCK_ELEMENTS elements: each block is scanned for its
// maximum (and, for row statistics, the per-lane top two), then its exponential sums are formed
// while it is still in L1, relative to the running maximum. When the maximum grows, the sums so
// far are rescaled exactly in double (see lk_row_pass). Elements are processed 16 at a time; the
// last n mod 16 elements of a row are added in double by scalar code.
//
// Exp: Cody–Waite reduction r = x − n·ln 2 (|r| ≤ ln2/2) and a degree-6 minimax polynomial for
// eʳ (relative error 1.9e-9 in exact arithmetic, ≈ 1 ulp in float), evaluated by Estrin's scheme
// for a short dependency chain; exactly 0 for x ≤ −88. Each float lane adds at most 64 terms
// before it is widened into double lanes (every LK_FLUSH_ELEMENTS elements), so the float
// rounding error of a sum stays ≈ 1e-7 relative for any row length.
//
// Non-finite input is not counted on the fast path. A NaN or ±∞ element (or a shifted logit
// (z − M)/T that overflows to −∞) always makes the row maximum or one of the double sums
// non-finite: NaN propagates through every operation below (MAXPS with the constant as first
// operand returns the NaN), z = −∞ gives e = 0 and e·d = 0·(−∞) = NaN, and z = +∞ gives
// M = +∞ and d = NaN. Such rows are recomputed by the scalar kernel, which counts exactly.

#include "lk_internal.h"
#include <immintrin.h>
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)

// Every AVX2 function also enables F16C: all AVX2 CPUs have it, and the dispatcher checks it.
#define LK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define LK_INLINE static inline __attribute__((always_inline))

/// Row sums widen their float lanes into double every this many elements (a multiple of 16).
#define LK_FLUSH_ELEMENTS 512

/// exp(x): for x ≤ −88 exactly +0 (round(x·log₂e) = −127 gives a zero exponent field; true values
/// are below 1.2e-38), and 0 also where the result would be subnormal (the passes run with
/// flush-to-zero); for −87.3 ≤ x ≤ 88 within ≈ 1 ulp; NaN for NaN.
LK_INLINE LK_AVX2 __m256 lk_exp(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-88.0f), x);  // constant first: a NaN x is returned as is
  const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);  // 1.5·2²³ + exponent bias
  // t = round(x·log₂e) + magic: the low mantissa bits of t hold n + 127 ∈ [0, 255].
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);  // exact: ln2_hi has 9 bits
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  // eʳ ≈ 1 + r + c2 r² + … + c6 r⁶ (minimax for relative error on [−ln2/2, ln2/2]), Estrin form.
  const __m256 r2 = _mm256_mul_ps(r, r);
  const __m256 p01 = _mm256_add_ps(r, _mm256_set1_ps(1.0f));
  const __m256 p23 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.55540ap-3f), r, _mm256_set1_ps(0x1.fffffap-2f));
  const __m256 p45 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.126d0cp-7f), r, _mm256_set1_ps(0x1.55589ap-5f));
  const __m256 r4 = _mm256_mul_ps(r2, r2);
  const __m256 low = _mm256_fmadd_ps(p23, r2, p01);
  const __m256 high = _mm256_fmadd_ps(_mm256_set1_ps(0x1.6ab98p-10f), r2, p45);
  const __m256 p = _mm256_fmadd_ps(high, r4, low);
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
  return _mm256_mul_ps(p, scale);
}

/// 16 elements of `type` at `p` (unaligned), widened to float, as two vectors. For bfloat16 the
/// lanes come out permuted (16-bit unpacks within 128-bit halves), which is harmless: every
/// consumer is a maximum or a sum. `type` is a constant after inlining.
LK_INLINE LK_AVX2 void lk_load16(const unsigned char *p, const int type, __m256 *a, __m256 *b) {
  switch (type) {
    case LK_FLOAT32:
      *a = _mm256_loadu_ps((const float *)p);
      *b = _mm256_loadu_ps((const float *)p + 8);
      break;
    case LK_BFLOAT16: {
      const __m256i w = _mm256_loadu_si256((const __m256i *)p);
      *a = _mm256_castsi256_ps(_mm256_unpacklo_epi16(_mm256_setzero_si256(), w));
      *b = _mm256_castsi256_ps(_mm256_unpackhi_epi16(_mm256_setzero_si256(), w));
      break;
    }
    default:
      *a = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
      *b = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p + 1));
  }
}

/// d = (z − M)·(1/T). For T ≠ 1 the factor 1/T is split as hi + lo, so the scaling is accurate to
/// ≈ 1 ulp of d instead of carrying the float rounding of 1/T as a systematic temperature error.
LK_INLINE LK_AVX2 __m256 lk_shifted(__m256 z, __m256 m, __m256 hi, __m256 lo, const int scaled) {
  __m256 d = _mm256_sub_ps(z, m);
  if (scaled) d = _mm256_fmadd_ps(d, hi, _mm256_mul_ps(d, lo));
  return d;
}

/// acc + the 8 float lanes of `v` widened to double (4 lanes).
LK_INLINE LK_AVX2 __m256d lk_widen_add(__m256d acc, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  return _mm256_add_pd(acc, _mm256_add_pd(lo, hi));
}

LK_INLINE LK_AVX2 double lk_hsum_pd(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/// The largest lane (NaN lanes are skipped unless lane 0 is NaN; NaN rows are caught later).
LK_INLINE LK_AVX2 float lk_hmax(__m256 v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float m = lanes[0];
  for (int k = 1; k < 8; k++) m = lanes[k] > m ? lanes[k] : m;
  return m;
}

/// Rescales a (Σe, Σe·d) pair to a reference larger by s ≥ 0 (in units of d): with c = e^(−s),
/// Σe^(d−s) = c Σe and Σe^(d−s)(d − s) = c (Σe·d − s Σe). Exact algebra, evaluated in double.
LK_INLINE LK_AVX2 void lk_rescale(__m256d *sum, __m256d *weighted, double s, double c) {
  const __m256d vc = _mm256_set1_pd(c), vs = _mm256_set1_pd(s);
  *weighted = _mm256_mul_pd(vc, _mm256_sub_pd(*weighted, _mm256_mul_pd(vs, *sum)));
  *sum = _mm256_mul_pd(vc, *sum);
}

/// lk_rescale for one pair of double sums (the scalar tails).
static inline void lk_rescale_scalar(double *sum, double *weighted, double s, double c) {
  *weighted = c * (*weighted - s * *sum);
  *sum *= c;
}

// MARK: - Row statistics

/// Running state of lk_row_pass.
typedef struct {
  __m256 m1a, m2a, m1b, m2b;  // per-lane top two of the elements seen, two lane sets
  __m256d D[4];               // S0…S3 relative to `running`, in double lanes
  float running;              // maximum of the blocks seen so far (−∞ before the first)
} lk_row_state;

/// Scans and sums `len` elements (a multiple of 16) at `b`.
LK_INLINE LK_AVX2 void lk_row_block(lk_row_state *st, const unsigned char *b, const int type,
                                    const int64_t len, double inverse_temperature, __m256 hi,
                                    __m256 lo, const int scaled) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  for (int64_t i = 0; i < len; i += 16) {
    __m256 va, vb;
    lk_load16(b + i * w, type, &va, &vb);
    st->m2a = _mm256_max_ps(st->m2a, _mm256_min_ps(st->m1a, va));
    st->m1a = _mm256_max_ps(st->m1a, va);
    st->m2b = _mm256_max_ps(st->m2b, _mm256_min_ps(st->m1b, vb));
    st->m1b = _mm256_max_ps(st->m1b, vb);
  }
  const float block_max = lk_hmax(_mm256_max_ps(st->m1a, st->m1b));
  if (block_max > st->running) {
    if (st->running != -INFINITY) {
      const double s = ((double)block_max - (double)st->running) * inverse_temperature;
      const double c = exp(-s);
      lk_rescale(&st->D[0], &st->D[1], s, c);
      lk_rescale(&st->D[2], &st->D[3], s, c * c);  // e² sums scale by c² (and (d − s) as above)
    }
    st->running = block_max;
  }
  const __m256 m = _mm256_set1_ps(st->running);
  // Float lanes are widened into the double accumulators every LK_FLUSH_ELEMENTS elements, so
  // each float lane adds at most 2·LK_FLUSH_ELEMENTS/16 = 64 terms.
  for (int64_t part = 0; part < len; part += LK_FLUSH_ELEMENTS) {
    const int64_t part_end = part + LK_FLUSH_ELEMENTS < len ? part + LK_FLUSH_ELEMENTS : len;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t j = part; j < part_end; j += 16) {
      // The next block is scanned right after this one: fetch it while the exps run.
      _mm_prefetch((const char *)(b + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
      __m256 za, zb;
      lk_load16(b + j * w, type, &za, &zb);
      const __m256 da = lk_shifted(za, m, hi, lo, scaled), db = lk_shifted(zb, m, hi, lo, scaled);
      const __m256 ea = lk_exp(da), eb = lk_exp(db);
      const __m256 qa = _mm256_mul_ps(ea, ea), qb = _mm256_mul_ps(eb, eb);
      // One set of accumulators: fewer registers, no spills.
      s0 = _mm256_add_ps(s0, _mm256_add_ps(ea, eb));
      s1 = _mm256_fmadd_ps(ea, da, _mm256_fmadd_ps(eb, db, s1));
      s2 = _mm256_add_ps(s2, _mm256_add_ps(qa, qb));
      s3 = _mm256_fmadd_ps(qa, da, _mm256_fmadd_ps(qb, db, s3));
    }
    st->D[0] = lk_widen_add(st->D[0], s0);
    st->D[1] = lk_widen_add(st->D[1], s1);
    st->D[2] = lk_widen_add(st->D[2], s2);
    st->D[3] = lk_widen_add(st->D[3], s3);
  }
}

/// Merges one lane set's top two into (*first, *second).
static LK_AVX2 void lk_top2_merge(__m256 m1, __m256 m2, double *first, double *second) {
  float a[8], b[8];
  _mm256_storeu_ps(a, m1);
  _mm256_storeu_ps(b, m2);
  for (int j = 0; j < 8; j++) {
    // Each lane's (m1, m2) is the top two of its elements; the row's top two are among them.
    const double v[2] = { a[j], b[j] };
    for (int k = 0; k < 2; k++) {
      if (v[k] > *first) { *second = *first; *first = v[k]; } else if (v[k] > *second) { *second = v[k]; }
    }
  }
}

/// One row in a single streaming pass over blocks: each block is first scanned (top two per lane,
/// running maximum M) and then, while it is still in L1, summed with d = (z − M)/T. When M grows
/// by s (in units of z/T) the sums so far are rescaled in double to the new reference: with
/// c = e^(−s),
///
///     S0 ← c S0,  S1 ← c (S1 − s S0),  S2 ← c² S2,  S3 ← c² (S3 − s S2)
///
/// which is exact algebra (Σ e^(d−s)(d − s) etc.). Reading each row from memory once instead of
/// twice is worth ~1.3–1.5× on rows larger than L2. The last n mod 16 elements are added in
/// double after the blocks. Rows with a non-finite element or sum go to the scalar kernel.
LK_INLINE LK_AVX2 int lk_row_pass(const unsigned char *row, const int type, int64_t n,
                                  double inverse_temperature, const int scaled,
                                  lk_row_sums *out) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  const float hi_f = (float)inverse_temperature;
  const __m256 hi = _mm256_set1_ps(hi_f);
  const __m256 lo = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));
  const __m256 none = _mm256_set1_ps(-INFINITY);
  const __m256d zero = _mm256_setzero_pd();
  lk_row_state st = { none, none, none, none, { zero, zero, zero, zero }, -INFINITY };
  const int64_t full = n & ~(int64_t)15;
  int64_t start = 0;
  for (; start + LK_BLOCK_ELEMENTS <= full; start += LK_BLOCK_ELEMENTS) {
    lk_row_block(&st, row + start * w, type, LK_BLOCK_ELEMENTS, inverse_temperature, hi, lo, scaled);
  }
  if (start < full) {
    lk_row_block(&st, row + start * w, type, full - start, inverse_temperature, hi, lo, scaled);
  }
  double first = -INFINITY, second = -INFINITY;
  lk_top2_merge(st.m1a, st.m2a, &first, &second);
  lk_top2_merge(st.m1b, st.m2b, &first, &second);
  double S[4] = { lk_hsum_pd(st.D[0]), lk_hsum_pd(st.D[1]), lk_hsum_pd(st.D[2]),
                  lk_hsum_pd(st.D[3]) };
  double reference = st.running;
  for (int64_t i = full; i < n; i++) {  // the scalar tail, in double
    const double z = lk_element(row, type, i);
    if (z > first) { second = first; first = z; } else if (z > second) { second = z; }
  }
  if (full < n) {
    if (first > reference) {
      if (reference != -INFINITY) {
        const double s = (first - reference) * inverse_temperature, c = exp(-s);
        lk_rescale_scalar(&S[0], &S[1], s, c);
        lk_rescale_scalar(&S[2], &S[3], s, c * c);
      }
      reference = first;
    }
    for (int64_t i = full; i < n; i++) {
      const double d = (lk_element(row, type, i) - reference) * inverse_temperature;
      const double e = exp(d);
      S[0] += e;
      S[1] += e * d;
      S[2] += e * e;
      S[3] += e * e * d;
    }
  }
  if (!(isfinite(first) && isfinite(S[0]) && isfinite(S[1]) && isfinite(S[2]) && isfinite(S[3]))) {
    return 0;  // the caller hands the row to the scalar kernel, which counts non-finite elements
  }
  out->max_logit = first;
  out->second_logit = second;
  out->non_finite = 0;
  out->s0 = S[0];
  out->s1 = S[1];
  out->s2 = S[2];
  out->s3 = S[3];
  return 1;
}

/// 1 if the row was computed, 0 if it must go to the scalar kernel.
LK_INLINE LK_AVX2 int lk_row(const unsigned char *row, const int type, int64_t n,
                             double inverse_temperature, lk_row_sums *out) {
  if (inverse_temperature == 1.0) return lk_row_pass(row, type, n, inverse_temperature, 0, out);
  return lk_row_pass(row, type, n, inverse_temperature, 1, out);
}

// MARK: - Change statistics

/// Running state of lk_change_pass. D = {a0, a1, b0, b1, m1, c1, m2, c2, phi} (lk_change_sums order).
typedef struct {
  __m256 ma, mb;     // per-lane running maxima of a and b
  __m256d D[9];
  float run_a, run_b;
  double kappa;      // fixed offset: δ = Δ − κ throughout the row
} lk_change_state;

/// φ(t)/t² = 1/2 + t/6 + t²/24 + t³/120 + t⁴/720 (Horner), for |t| < 1/8: truncation < 1.2e-8
/// relative, below float rounding.
LK_INLINE LK_AVX2 __m256 lk_phi_over_square(__m256 t) {
  __m256 p = _mm256_set1_ps(1.0f / 720.0f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.0f / 6.0f));
  return _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.5f));
}

/// Change sums of one vector pair: d, f are the shifted logits of a and b, δ = f − d + k, and
/// ek = e^k, so that ea·e^δ = eb·ek. The KL sum adds ea·φ(δ), φ(t) = eᵗ − 1 − t: ea·δ²·(φ(δ)/δ²)
/// for |δ| < 1/8 (no cancellation), eb·ek − ea − ea·δ otherwise (≤ 3e-5 relative there, where
/// φ(δ) ≥ 0.0078).
LK_INLINE LK_AVX2 void lk_change_step(__m256 *s, __m256 d, __m256 f, __m256 k, __m256 ek) {
  const __m256 ea = lk_exp(d), eb = lk_exp(f);
  const __m256 delta = _mm256_add_ps(_mm256_sub_ps(f, d), k);
  const __m256 ead = _mm256_mul_ps(ea, delta);
  const __m256 eadd = _mm256_mul_ps(ead, delta);
  const __m256 small = _mm256_cmp_ps(
      _mm256_andnot_ps(_mm256_set1_ps(-0.0f), delta), _mm256_set1_ps(0.125f), _CMP_LT_OQ);
  const __m256 phi = _mm256_blendv_ps(
      _mm256_fmsub_ps(eb, ek, _mm256_add_ps(ea, ead)), _mm256_mul_ps(eadd, lk_phi_over_square(delta)),
      small);
  s[8] = _mm256_add_ps(s[8], phi);
  s[0] = _mm256_add_ps(s[0], ea);
  s[1] = _mm256_fmadd_ps(ea, d, s[1]);
  s[2] = _mm256_add_ps(s[2], eb);
  s[3] = _mm256_fmadd_ps(eb, f, s[3]);
  s[4] = _mm256_add_ps(s[4], ead);
  s[5] = _mm256_fmadd_ps(ead, d, s[5]);
  s[6] = _mm256_add_ps(s[6], eadd);
  s[7] = _mm256_fmadd_ps(eadd, d, s[7]);
}

/// Scans and sums the blocks of `len` elements (a multiple of 16) at `ba`, `bb`.
LK_INLINE LK_AVX2 void lk_change_block(lk_change_state *st, const unsigned char *ba,
                                       const unsigned char *bb, const int type, const int64_t len,
                                       int first, double inverse_temperature, __m256 hi,
                                       __m256 lo, const int scaled) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  for (int64_t i = 0; i < len; i += 16) {
    __m256 a0, a1, b0, b1;
    lk_load16(ba + i * w, type, &a0, &a1);
    lk_load16(bb + i * w, type, &b0, &b1);
    st->ma = _mm256_max_ps(st->ma, _mm256_max_ps(a0, a1));
    st->mb = _mm256_max_ps(st->mb, _mm256_max_ps(b0, b1));
  }
  const float ma = lk_hmax(st->ma), mb = lk_hmax(st->mb);
  __m256d *D = st->D;
  if (first) {
    st->kappa = ((double)mb - (double)ma) * inverse_temperature;
  } else {
    if (ma > st->run_a) {  // rescale the a-weighted sums: d → d − s, e_a → e_a·e^(−s)
      const double s = ((double)ma - (double)st->run_a) * inverse_temperature, c = exp(-s);
      lk_rescale(&D[0], &D[1], s, c);
      lk_rescale(&D[4], &D[5], s, c);
      lk_rescale(&D[6], &D[7], s, c);
      D[8] = _mm256_mul_pd(_mm256_set1_pd(c), D[8]);  // δ does not depend on Ma
    }
    if (mb > st->run_b) {
      const double s = ((double)mb - (double)st->run_b) * inverse_temperature, c = exp(-s);
      lk_rescale(&D[2], &D[3], s, c);
    }
  }
  st->run_a = ma;  // maxima only grow
  st->run_b = mb;
  // δ = Δ − κ = f − d + [(Mb − Ma)/T − κ]
  const double k_double = ((double)mb - (double)ma) * inverse_temperature - st->kappa;
  const __m256 k = _mm256_set1_ps((float)k_double);
  const __m256 ek = _mm256_set1_ps((float)exp((double)(float)k_double));  // e^k of the k used
  const __m256 vma = _mm256_set1_ps(ma), vmb = _mm256_set1_ps(mb);
  for (int64_t part = 0; part < len; part += LK_FLUSH_ELEMENTS) {  // as in lk_row_block
    const int64_t part_end = part + LK_FLUSH_ELEMENTS < len ? part + LK_FLUSH_ELEMENTS : len;
    __m256 s[9];
    for (int q = 0; q < 9; q++) s[q] = _mm256_setzero_ps();
    for (int64_t j = part; j < part_end; j += 16) {
      _mm_prefetch((const char *)(ba + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
      _mm_prefetch((const char *)(bb + (j + LK_BLOCK_ELEMENTS) * w), _MM_HINT_T0);
      __m256 a0, a1, b0, b1;
      lk_load16(ba + j * w, type, &a0, &a1);
      lk_load16(bb + j * w, type, &b0, &b1);
      lk_change_step(s, lk_shifted(a0, vma, hi, lo, scaled), lk_shifted(b0, vmb, hi, lo, scaled), k, ek);
      lk_change_step(s, lk_shifted(a1, vma, hi, lo, scaled), lk_shifted(b1, vmb, hi, lo, scaled), k, ek);
    }
    for (int q = 0; q < 9; q++) D[q] = lk_widen_add(D[q], s[q]);
  }
}

/// Both rows in one streaming pass over blocks, as lk_row_pass: scan a block of a and b (running
/// maxima Ma, Mb), then sum it with d = (a − Ma)/T, f = (b − Mb)/T and δ = Δ − κ, where
/// κ = (Mb − Ma)/T of the first block is fixed for the row (no statistic depends on a constant in
/// δ). When Ma grows by s the a-weighted sums are rescaled exactly (c = e^(−s)):
/// a0 ← c a0, a1 ← c(a1 − s a0), m1 ← c m1, c1 ← c(c1 − s m1), m2 ← c m2, c2 ← c(c2 − s m2);
/// when Mb grows, b0 and b1 likewise. The last n mod 16 elements are added in double.
LK_INLINE LK_AVX2 int lk_change_pass(const unsigned char *ra, const unsigned char *rb,
                                     const int type, int64_t n, double inverse_temperature,
                                     const int scaled, lk_change_sums *out) {
  const int w = type == LK_FLOAT32 ? 4 : 2;
  const float hi_f = (float)inverse_temperature;
  const __m256 hi = _mm256_set1_ps(hi_f);
  const __m256 lo = _mm256_set1_ps((float)(inverse_temperature - (double)hi_f));
  const __m256d zero = _mm256_setzero_pd();
  lk_change_state st = { _mm256_set1_ps(-INFINITY), _mm256_set1_ps(-INFINITY),
                         { zero, zero, zero, zero, zero, zero, zero, zero, zero },
                         -INFINITY, -INFINITY, 0 };
  const int64_t full = n & ~(int64_t)15;
  int64_t start = 0;
  for (; start + LK_BLOCK_ELEMENTS <= full; start += LK_BLOCK_ELEMENTS) {
    lk_change_block(&st, ra + start * w, rb + start * w, type, LK_BLOCK_ELEMENTS, start == 0,
                    inverse_temperature, hi, lo, scaled);
  }
  if (start < full) {
    lk_change_block(&st, ra + start * w, rb + start * w, type, full - start, start == 0,
                    inverse_temperature, hi, lo, scaled);
  }
  double S[9];
  for (int q = 0; q < 9; q++) S[q] = lk_hsum_pd(st.D[q]);
  double ma = full > 0 ? st.run_a : -INFINITY, mb = full > 0 ? st.run_b : -INFINITY;
  double kappa = st.kappa;
  if (full < n) {  // the scalar tail, in double
    double ta = -INFINITY, tb = -INFINITY;
    for (int64_t i = full; i < n; i++) {
      const double a = lk_element(ra, type, i), b = lk_element(rb, type, i);
      ta = a > ta ? a : ta;
      tb = b > tb ? b : tb;
    }
    if (full == 0) {
      ma = ta;
      mb = tb;
      kappa = (mb - ma) * inverse_temperature;
    } else {
      if (ta > ma) {
        const double s = (ta - ma) * inverse_temperature, c = exp(-s);
        lk_rescale_scalar(&S[0], &S[1], s, c);
        lk_rescale_scalar(&S[4], &S[5], s, c);
        lk_rescale_scalar(&S[6], &S[7], s, c);
        S[8] *= c;
        ma = ta;
      }
      if (tb > mb) {
        const double s = (tb - mb) * inverse_temperature, c = exp(-s);
        lk_rescale_scalar(&S[2], &S[3], s, c);
        mb = tb;
      }
    }
    const double k = (mb - ma) * inverse_temperature - kappa;
    for (int64_t i = full; i < n; i++) {
      const double d = (lk_element(ra, type, i) - ma) * inverse_temperature;
      const double f = (lk_element(rb, type, i) - mb) * inverse_temperature;
      const double ea = exp(d), eb = exp(f), delta = f - d + k;
      const double ead = ea * delta, eadd = ead * delta;
      S[0] += ea; S[1] += ea * d; S[2] += eb; S[3] += eb * f;
      S[4] += ead; S[5] += ead * d; S[6] += eadd; S[7] += eadd * d;
      S[8] += fabs(delta) < 0.1 ? ea * lk_phi(delta) : eb * exp(k) - ea - ead;  // as in lk_change_step
    }
  }
  int finite = isfinite(ma) && isfinite(mb);
  for (int q = 0; q < 9; q++) finite = finite && isfinite(S[q]);
  if (!finite) {
    return 0;  // the caller hands the rows to the scalar kernel, which counts non-finite elements
  }
  out->max_before = ma;
  out->max_after = mb;
  out->delta_offset = (mb - ma) * inverse_temperature - kappa;
  out->non_finite = 0;
  out->a0 = S[0]; out->a1 = S[1]; out->b0 = S[2]; out->b1 = S[3];
  out->m1 = S[4]; out->c1 = S[5]; out->m2 = S[6]; out->c2 = S[7];
  out->phi = S[8];
  return 1;
}

/// 1 if the rows were computed, 0 if they must go to the scalar kernel.
LK_INLINE LK_AVX2 int lk_change(const unsigned char *ra, const unsigned char *rb, const int type,
                                int64_t n, double inverse_temperature, lk_change_sums *out) {
  if (inverse_temperature == 1.0) return lk_change_pass(ra, rb, type, n, inverse_temperature, 0, out);
  return lk_change_pass(ra, rb, type, n, inverse_temperature, 1, out);
}

// One out-of-line instance per element type; `type` is a constant inside each.
static LK_AVX2 int lk_row_f32(const void *r, int64_t n, double t, lk_row_sums *o) {
  return lk_row((const unsigned char *)r, LK_FLOAT32, n, t, o);
}
static LK_AVX2 int lk_row_bf16(const void *r, int64_t n, double t, lk_row_sums *o) {
  return lk_row((const unsigned char *)r, LK_BFLOAT16, n, t, o);
}
static LK_AVX2 int lk_row_f16(const void *r, int64_t n, double t, lk_row_sums *o) {
  return lk_row((const unsigned char *)r, LK_FLOAT16, n, t, o);
}
static LK_AVX2 int lk_change_f32(const void *a, const void *b, int64_t n, double t,
                                  lk_change_sums *o) {
  return lk_change((const unsigned char *)a, (const unsigned char *)b, LK_FLOAT32, n, t, o);
}
static LK_AVX2 int lk_change_bf16(const void *a, const void *b, int64_t n, double t,
                                   lk_change_sums *o) {
  return lk_change((const unsigned char *)a, (const unsigned char *)b, LK_BFLOAT16, n, t, o);
}
static LK_AVX2 int lk_change_f16(const void *a, const void *b, int64_t n, double t,
                                  lk_change_sums *o) {
  return lk_change((const unsigned char *)a, (const unsigned char *)b, LK_FLOAT16, n, t, o);
}

/// The AVX2 passes run with flush-to-zero (MXCSR.FTZ): float results below 2⁻¹²⁶ ≈ 1.2e-38 become
/// 0 instead of subnormal numbers. Every sum here is ≥ 1 (the maximum contributes e⁰ = 1), so
/// this changes them by less than 1e-33 relative, while subnormal intermediates — e² for
/// d < −43.7, common in peaked LLM rows — slow the arithmetic by about 1.5× on this hardware.
/// The caller's MXCSR is restored before returning (and before any scalar fallback).
static inline unsigned lk_flush_to_zero_begin(void) {  // SSE: every x86-64 CPU
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | _MM_FLUSH_ZERO_ON);
  return saved;
}

void lk_row_sums_avx2(const void *row, int element_type, int64_t n, double inverse_temperature,
                      lk_row_sums *out) {
  int done = 0;
  const unsigned saved = lk_flush_to_zero_begin();
  switch (element_type) {
    case LK_FLOAT32: done = lk_row_f32(row, n, inverse_temperature, out); break;
    case LK_BFLOAT16: done = lk_row_bf16(row, n, inverse_temperature, out); break;
    case LK_FLOAT16: done = lk_row_f16(row, n, inverse_temperature, out); break;
    default: break;
  }
  _mm_setcsr(saved);
  if (!done) lk_row_sums_scalar(row, element_type, n, inverse_temperature, out);
}

void lk_change_sums_avx2(const void *before, const void *after, int element_type, int64_t n,
                         double inverse_temperature, lk_change_sums *out) {
  int done = 0;
  const unsigned saved = lk_flush_to_zero_begin();
  switch (element_type) {
    case LK_FLOAT32: done = lk_change_f32(before, after, n, inverse_temperature, out); break;
    case LK_BFLOAT16: done = lk_change_bf16(before, after, n, inverse_temperature, out); break;
    case LK_FLOAT16: done = lk_change_f16(before, after, n, inverse_temperature, out); break;
    default: break;
  }
  _mm_setcsr(saved);
  if (!done) lk_change_sums_scalar(before, after, element_type, n, inverse_temperature, out);
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
