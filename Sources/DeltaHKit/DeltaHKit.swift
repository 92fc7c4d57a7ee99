// DeltaH — entropy change of softmax policies.
//
// The umbrella module of the `DeltaH` library product: `import DeltaHKit` brings in every public
// module of the package. Each module can also be used on its own through its own product.

@_exported import Curvature
@_exported import DenseLinearAlgebra
@_exported import DenseMatrix
@_exported import DumpAnalysis
@_exported import EntropyDynamics
@_exported import EntropyInterventions
@_exported import EntropyPerformanceLaw
@_exported import FiniteMDP
@_exported import GSLSupport
@_exported import LogitDumps
@_exported import LogitKernels
@_exported import PolicyCliff
@_exported import PolicyMargins
@_exported import Reports
@_exported import SoftmaxEntropy
@_exported import TabularPolicies
