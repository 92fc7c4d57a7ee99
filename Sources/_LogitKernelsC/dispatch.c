// DeltaH — entropy change of softmax policies.
//
// Entry points: choose the AVX2 or the scalar kernel at run time (no build flags needed).

#define _GNU_SOURCE
#include "lk_internal.h"
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lk_cpu_has_avx2_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static int lk_cpu_has_f16c(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("f16c");
#else
  return 0;
#endif
}

int lk_environment_forces_scalar(void) {
  const char *value = getenv("DELTAH_KERNEL");
  return value != NULL && strcmp(value, "scalar") == 0;
}

int lk_effective_kernel(int requested, int element_type) {
  if (requested != LK_KERNEL_AVX2 || element_type == LK_FLOAT64) return LK_KERNEL_SCALAR;
  // The AVX2 kernels also use F16C (every AVX2 CPU has it, but check anyway).
  if (!lk_cpu_has_avx2_fma() || !lk_cpu_has_f16c()) return LK_KERNEL_SCALAR;
  return LK_KERNEL_AVX2;
}

void lk_row_sums_compute(const void *row, int element_type, int64_t n,
                         double inverse_temperature, int kernel, lk_row_sums *out) {
  if (lk_effective_kernel(kernel, element_type) == LK_KERNEL_AVX2) {
    lk_row_sums_avx2(row, element_type, n, inverse_temperature, out);
  } else {
    lk_row_sums_scalar(row, element_type, n, inverse_temperature, out);
  }
}

void lk_change_sums_compute(const void *before, const void *after, int element_type, int64_t n,
                            double inverse_temperature, int kernel, lk_change_sums *out) {
  if (lk_effective_kernel(kernel, element_type) == LK_KERNEL_AVX2) {
    lk_change_sums_avx2(before, after, element_type, n, inverse_temperature, out);
  } else {
    lk_change_sums_scalar(before, after, element_type, n, inverse_temperature, out);
  }
}

double lk_load_element(const void *row, int element_type, int64_t index) {
  return lk_element((const unsigned char *)row, element_type, index);
}

// DELTAH_THREADS=k (decimal, 1 ≤ k ≤ 4096) caps the row workers at k, for schedulers (Ray, Slurm)
// that grant a process k CPUs without pinning it to them. Any other value is ignored.
static int lk_environment_thread_count(void) {
  const char *value = getenv("DELTAH_THREADS");
  if (value == NULL || *value == 0) return 0;
  long count = 0;
  for (const char *c = value; *c; c++) {
    if (*c < '0' || *c > '9') return 0;
    count = count * 10 + (*c - '0');
    if (count > 4096) return 0;
  }
  return (int)count;
}

int lk_active_processor_count(void) {
  int requested = lk_environment_thread_count();
  if (requested > 0) return requested;
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  long count = sysconf(_SC_NPROCESSORS_ONLN);
  return count > 0 ? (int)count : 1;
}
