// DeltaH — entropy change of softmax policies.

// `Matrix` lives in DenseMatrix (no LAPACK, so SoftmaxEntropy can return it without linking
// LAPACK); the LAPACK and BLAS routines here extend it, so importing DenseLinearAlgebra brings it in.
@_exported import DenseMatrix
