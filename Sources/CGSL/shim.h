#pragma once
// GSL's own gsl_cblas.h (pulled in through gsl_matrix.h -> gsl_blas_types.h) declares the CBLAS
// enums with other members than OpenBLAS's cblas.h. Take OpenBLAS's declarations through the
// header owned by module CCBLAS (so Clang imports that module instead of pasting cblas.h a second
// time, which breaks release builds under WMO) and block GSL's copy.
#include "../CCBLAS/shim.h"
#define __GSL_CBLAS_H__
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_sf_lambert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
// GSL exports its descriptors as mutable C globals, which Swift 6 refuses to read; read them
// through functions.
static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_root_fsolver_type *cgsl_root_fsolver_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_odeiv2_step_type *cgsl_odeiv2_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *cgsl_odeiv2_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
