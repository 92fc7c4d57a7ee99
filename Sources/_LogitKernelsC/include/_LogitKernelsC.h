// DeltaH — entropy change of softmax policies.
//
// Per-row exponential-sum passes over recorded logit rows. Implementation detail of the Swift
// module LogitKernels: the C side returns raw accumulators, the Swift side combines them in Double.
//
// Notation (one row of n logits z, temperature T, inverse_temperature = 1/T):
//   M = max_i z_i,  d_i = (z_i − M)/T ≤ 0,  e_i = exp(d_i)
//
// Two implementations share every entry point:
//   LK_KERNEL_SCALAR  portable C, every quantity in double (libm exp), blocked double sums;
//   LK_KERNEL_AVX2    AVX2 + FMA + F16C, float exp (degree-6 minimax after a Cody–Waite
//                     reduction, exactly 0 below −88), float lanes of ≤ 64 terms widened
//                     into double lanes, rows streamed in blocks of LK_BLOCK_ELEMENTS elements
//                     (scan, then sum from L1); the last n mod 16 elements in double. Rows with a non-finite element are handed to the
//                     scalar kernel, which counts them.
// float64 rows always take the scalar implementation.

#ifndef DELTAH_LOGIT_KERNELS_C_H
#define DELTAH_LOGIT_KERNELS_C_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Element encodings of a logit row (values match LogitElementType in Swift).
enum {
  LK_FLOAT32 = 0,   ///< IEEE binary32
  LK_BFLOAT16 = 1,  ///< bfloat16: the upper 16 bits of a binary32
  LK_FLOAT16 = 2,   ///< IEEE binary16
  LK_FLOAT64 = 3,   ///< IEEE binary64
};

/// Kernel implementations.
enum {
  LK_KERNEL_SCALAR = 0,
  LK_KERNEL_AVX2 = 1,
};

/// Elements per block of the AVX2 row pass (scanned for the maximum, then summed from L1).
#define LK_BLOCK_ELEMENTS 1024

/// Accumulators of one row (see the header comment for M, d, e).
typedef struct lk_row_sums {
  double max_logit;         ///< M = max z (raw, not divided by T)
  double second_logit;      ///< second largest z counted with multiplicity; −inf when n == 1
  double s0;                ///< Σ e
  double s1;                ///< Σ e·d
  double s2;                ///< Σ e²
  double s3;                ///< Σ e²·d
  int64_t non_finite;       ///< number of NaN/±Inf elements; s0…s3 are NaN when > 0
} lk_row_sums;

/// Accumulators of a pair of rows a (before), b (after) at the same position.
/// With d = (a − Ma)/T, f = (b − Mb)/T, ea = exp(d), eb = exp(f) and δ = f − d + delta_offset
/// (δ = Δ − κ for Δ = (b − a)/T and a per-row constant κ = (Mb − Ma)/T − delta_offset chosen by
/// the kernel). KL(π_a‖π_b) = log E[e^δ] − E[δ] = log1p(m + g) − m with m = Σea·δ/Σea and
/// g = Σea·φ(δ)/Σea, φ(t) = eᵗ − 1 − t (no O(1) terms cancel), or log Σeb − log Σea − (m − delta_offset):
typedef struct lk_change_sums {
  double max_before;        ///< Ma
  double max_after;         ///< Mb
  double a0;                ///< Σ ea
  double a1;                ///< Σ ea·d
  double b0;                ///< Σ eb
  double b1;                ///< Σ eb·f
  double m1;                ///< Σ ea·δ
  double c1;                ///< Σ ea·d·δ
  double m2;                ///< Σ ea·δ²
  double c2;                ///< Σ ea·d·δ²
  double delta_offset;      ///< δ − (f − d), a constant
  double phi;               ///< Σ ea·φ(δ), φ(t) = eᵗ − 1 − t ≥ 0 (an ea = 0 term contributes eb·e^(δ−(f−d)))
  int64_t non_finite;       ///< NaN/±Inf elements in a and b together; sums are NaN when > 0
} lk_change_sums;

/// Accumulators of one row of n ≥ 1 elements. O(n) time, O(1) memory; `row` may be unaligned.
void lk_row_sums_compute(const void *row, int element_type, int64_t n,
                         double inverse_temperature, int kernel, lk_row_sums *out);

/// Accumulators of two rows of n ≥ 1 elements each. O(n) time, O(1) memory.
void lk_change_sums_compute(const void *before, const void *after, int element_type, int64_t n,
                            double inverse_temperature, int kernel, lk_change_sums *out);

/// Element `index` of a row, widened exactly to double.
double lk_load_element(const void *row, int element_type, int64_t index);

/// The kernel that will actually run for `element_type` when `requested` is asked for:
/// LK_KERNEL_AVX2 only if the CPU has AVX2, FMA and F16C and the type is not LK_FLOAT64;
/// LK_KERNEL_SCALAR otherwise.
int lk_effective_kernel(int requested, int element_type);

/// 1 if the CPU supports AVX2 and FMA, else 0.
int lk_cpu_has_avx2_fma(void);

/// 1 if the environment variable DELTAH_KERNEL is "scalar", else 0.
int lk_environment_forces_scalar(void);

/// Worker threads to use: DELTAH_THREADS when it is a decimal 1…4096, else the processors this
/// process may run on (sched_getaffinity, falling back to sysconf); ≥ 1.
int lk_active_processor_count(void);

#ifdef __cplusplus
}
#endif

#endif
