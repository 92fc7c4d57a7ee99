// swift-tools-version: 6.1
//
// DeltaH: exact first-order (and second-order) entropy dynamics of softmax policies,
// for the analysis of entropy change in reinforcement fine-tuning of language models.

import PackageDescription

let package = Package(
  name: "DeltaH",
  products: [
    .executable(name: "deltah", targets: ["deltah"]),
    // Everything below in one import: `.product(name: "DeltaH", package: "DeltaH")`, then
    // `import DeltaHKit`. (The module is not called DeltaH: on case-insensitive file systems its
    // build products would collide with those of the `deltah` executable.)
    .library(name: "DeltaH", targets: ["DeltaHKit"]),
    .library(name: "DenseMatrix", targets: ["DenseMatrix"]),
    .library(name: "DenseLinearAlgebra", targets: ["DenseLinearAlgebra"]),
    .library(name: "GSLSupport", targets: ["GSLSupport"]),
    .library(name: "SoftmaxEntropy", targets: ["SoftmaxEntropy"]),
    .library(name: "EntropyDynamics", targets: ["EntropyDynamics"]),
    .library(name: "LogitDumps", targets: ["LogitDumps"]),
    .library(name: "LogitKernels", targets: ["LogitKernels"]),
    .library(name: "DumpAnalysis", targets: ["DumpAnalysis"]),
    .library(name: "Curvature", targets: ["Curvature"]),
    .library(name: "FiniteMDP", targets: ["FiniteMDP"]),
    .library(name: "PolicyMargins", targets: ["PolicyMargins"]),
    .library(name: "PolicyCliff", targets: ["PolicyCliff"]),
    .library(name: "EntropyInterventions", targets: ["EntropyInterventions"]),
    .library(name: "TabularPolicies", targets: ["TabularPolicies"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "EntropyPerformanceLaw", targets: ["EntropyPerformanceLaw"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // MARK: - Public API

    /// Softmax, log-sum-exp and entropy of softmax(z/T) with exact derivatives (pure Double math).
    .target(
      name: "SoftmaxEntropy",
      dependencies: [
        "DenseMatrix", "_NumericsSupport", .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// First-order entropy change (Cui et al. Lemma 1), PG/NPG closed forms, token covariance,
    /// entropy polarity.
    .target(name: "EntropyDynamics", dependencies: ["SoftmaxEntropy"]),
    /// Symmetric operators (Fisher, entropy and reward Hessians), Lanczos with full
    /// reorthogonalisation, natural gradients, per-position curvature, local KL.
    .target(
      name: "Curvature",
      dependencies: [
        "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport", "LogitDumps",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// The finite discounted MDP (one model for the tabular trainer and the policy cliff): validation,
    /// Q* by value or policy iteration, soft Q_α, random MDPs.
    .target(
      name: "FiniteMDP",
      dependencies: [
        "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Ties and margins of logit vectors and near-tie statistics over positions, without LAPACK
    /// (re-exported by PolicyCliff).
    .target(name: "PolicyMargins", dependencies: ["SoftmaxEntropy", "_NumericsSupport"]),
    /// Policy-cliff stability (docs/theory.md#policy-cliff): ties, margins, stability radii, soft-policy Lipschitz
    /// bounds, perturbation experiments, near-tie statistics.
    .target(
      name: "PolicyCliff",
      dependencies: [
        "PolicyMargins", "FiniteMDP", "SoftmaxEntropy", "DenseLinearAlgebra", "Curvature",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Token-selection rules of entropy interventions as pure functions over token arrays:
    /// Clip-Cov, KL-Cov, STEER weights, OPEFO flow balance, Entrocraft, forking-token mask.
    .target(
      name: "EntropyInterventions",
      dependencies: [
        "SoftmaxEntropy", "GSLSupport", "_NumericsSupport", .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Tabular softmax policies on bandits, contextual bandits and small MDPs: exact and sampled
    /// updates, entropy interventions, per-step entropy-change records.
    .target(
      name: "TabularPolicies",
      dependencies: [
        "FiniteMDP", "SoftmaxEntropy", "EntropyDynamics", "EntropyInterventions", "DenseLinearAlgebra", "GSLSupport",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// The entropy–performance law R = b − a·e^H (Cui et al. 2025) fitted to training logs (CSV,
    /// JSON lines, tabular runs, dumps with a rewards log), with bootstrap intervals and holdout errors.
    .target(
      name: "EntropyPerformanceLaw",
      dependencies: ["GSLSupport", "LogitDumps", "DumpAnalysis", "_NumericsSupport", .product(name: "RealModule", package: "swift-numerics")]),
    /// The dense row-major `Matrix` (storage only; links neither BLAS nor LAPACK).
    .target(name: "DenseMatrix"),
    /// Thin wrappers over LAPACK (dsyevd, dstev, dgesv) and BLAS (dgemv, dgemm, level-1): the only
    /// module that imports the BLAS/LAPACK shims. Re-exports DenseMatrix.
    .target(name: "DenseLinearAlgebra", dependencies: ["DenseMatrix", "CLAPACKE", "CCBLAS"]),
    /// Thin wrappers over GSL: seeded mt19937, error handling, root finding.
    .target(name: "GSLSupport", dependencies: ["CGSL", "CCBLAS"]),
    /// Memory-mapped, streaming readers for training logit dumps (safetensors, .npy, .npz) and a
    /// safetensors writer.
    .target(name: "LogitDumps", dependencies: ["CZlib", "_SafeFilesC", "_NumericsSupport"]),
    /// Batched, multithreaded per-row entropy statistics of recorded logit rows
    /// (f32/bf16/f16/f64), with AVX2+FMA kernels chosen at run time.
    .target(
      name: "LogitKernels",
      dependencies: ["_LogitKernelsC", .product(name: "RealModule", package: "swift-numerics")]),

    /// Per-position and batch analysis of recorded logit dumps: entropy, covariance, polarity,
    /// Clip-Cov/KL-Cov selections, audits, checkpoint comparison.
    .target(
      name: "DumpAnalysis",
      dependencies: [
        "LogitDumps", "LogitKernels", "SoftmaxEntropy", "EntropyDynamics", "EntropyInterventions",
        "PolicyMargins", "_NumericsSupport", "GSLSupport", .product(name: "RealModule", package: "swift-numerics"),
      ]),

    /// Tables (Markdown, LaTeX, CSV, JSON), SVG figures and a one-page HTML report of analyses,
    /// comparisons, tabular runs, spectra and policy-cliff curves.
    .target(
      name: "Reports",
      dependencies: [
        "DumpAnalysis", "EntropyDynamics", "TabularPolicies", "PolicyCliff", "Curvature", "SoftmaxEntropy",
        "EntropyPerformanceLaw", "_NumericsSupport",
      ]),

    /// The umbrella module of the `DeltaH` product: re-exports every public library module.
    .target(
      name: "DeltaHKit",
      dependencies: [
        "DenseMatrix", "DenseLinearAlgebra", "GSLSupport", "SoftmaxEntropy", "EntropyDynamics", "FiniteMDP",
        "Curvature", "PolicyMargins", "PolicyCliff", "EntropyInterventions", "TabularPolicies", "LogitDumps",
        "LogitKernels", "DumpAnalysis", "EntropyPerformanceLaw", "Reports",
      ]),

    // MARK: - Command-line tool

    .executableTarget(
      name: "deltah",
      dependencies: [
        "SoftmaxEntropy", "EntropyDynamics", "DumpAnalysis", "LogitDumps", "Curvature", "PolicyCliff",
        "EntropyInterventions", "TabularPolicies", "GSLSupport", "Reports", "DenseLinearAlgebra",
        "EntropyPerformanceLaw", "_NumericsSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    /// Microbenchmark of the LogitKernels passes (build with `-c release`; see benchmarks/kernels.sh).
    .executableTarget(
      name: "logit-kernel-benchmark",
      dependencies: ["LogitKernels", .product(name: "RealModule", package: "swift-numerics")]),

    // MARK: - Benchmarks and notebooks-as-scripts (run on demand, not by the tests)

    .executableTarget(
      name: "curvature-bench",
      dependencies: ["Curvature", "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport"],
      path: "benchmarks/curvature-bench"),
    .executableTarget(
      name: "policy-cliff",
      dependencies: ["PolicyCliff", "GSLSupport"],
      path: "notebooks-as-scripts/policy-cliff"),
    .executableTarget(
      name: "curvature-spectra",
      dependencies: ["Curvature", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport"],
      path: "notebooks-as-scripts/curvature-spectra"),

    // MARK: - notebooks-as-scripts (`swift run <name>`; tables to stdout, CSV + Markdown to out/<name>/)

    .target(name: "_NotebookSupport", dependencies: ["Reports"], path: "notebooks-as-scripts/_NotebookSupport"),
    .executableTarget(
      name: "first-order-accuracy",
      dependencies: ["_NotebookSupport", "TabularPolicies", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport"],
      path: "notebooks-as-scripts/first-order-accuracy"),
    .executableTarget(
      name: "polarity-asymmetry",
      dependencies: ["_NotebookSupport", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport", .product(name: "RealModule", package: "swift-numerics")],
      path: "notebooks-as-scripts/polarity-asymmetry"),
    .executableTarget(
      name: "intervention-comparison",
      dependencies: ["_NotebookSupport", "TabularPolicies", "EntropyInterventions", "GSLSupport"],
      path: "notebooks-as-scripts/intervention-comparison"),
    .executableTarget(
      name: "entropy-performance-law",
      dependencies: ["_NotebookSupport", "TabularPolicies", "GSLSupport", .product(name: "RealModule", package: "swift-numerics")],
      path: "notebooks-as-scripts/entropy-performance-law"),

    // MARK: - Implementation details

    /// Numerical helpers shared by the libraries (`package` access, not a product), the way
    /// swift-collections keeps InternalCollectionsUtilities: the compensated sum, numpy's "linear"
    /// quantile, Pearson's r, whitespace trimming.
    .target(name: "_NumericsSupport"),
    /// C kernels behind LogitKernels (AVX2/FMA via function target attributes + runtime dispatch).
    .target(name: "_LogitKernelsC"),
    /// Signal handlers behind LogitDumps' safe files: temporary outputs removed on SIGINT/SIGTERM/
    /// SIGHUP, and SIGBUS on a mapped file that shrank turned into a reportable error.
    .target(name: "_SafeFilesC"),

    // MARK: - Implementation details (system libraries)

    .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(name: "CCBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

    // MARK: - Unit test bundles

    .target(
      name: "_TestSupport",
      dependencies: [.product(name: "RealModule", package: "swift-numerics")],
      path: "Tests/_TestSupport"),
    .testTarget(name: "_NumericsSupportTests", dependencies: ["_NumericsSupport"]),
    .testTarget(name: "DeltaHKitTests", dependencies: ["DeltaHKit"]),
    /// One file per product, each importing that module alone: the product is usable from one import.
    .testTarget(name: "ProductImportTests", dependencies: ["EntropyDynamics", "DumpAnalysis", "TabularPolicies"]),
    .testTarget(name: "DenseLinearAlgebraTests", dependencies: ["DenseLinearAlgebra", "_TestSupport"]),
    .testTarget(name: "GSLSupportTests", dependencies: ["GSLSupport", "_TestSupport"]),
    .testTarget(name: "SoftmaxEntropyTests", dependencies: ["SoftmaxEntropy", "DenseLinearAlgebra", "_TestSupport"]),
    .testTarget(name: "EntropyDynamicsTests", dependencies: ["EntropyDynamics", "_TestSupport"]),
    .testTarget(
      name: "LogitDumpsTests", dependencies: ["LogitDumps", "CZlib"], exclude: ["Fixtures"]),
    .testTarget(
      name: "EntropyPerformanceLawTests",
      dependencies: ["EntropyPerformanceLaw", "GSLSupport", "TabularPolicies", "_TestSupport"]),
    .testTarget(name: "LogitKernelsTests", dependencies: ["LogitKernels", "_TestSupport"]),
    .testTarget(
      name: "DumpAnalysisTests",
      dependencies: ["DumpAnalysis", "LogitDumps", "SoftmaxEntropy", "EntropyDynamics", "_TestSupport"]),
    .testTarget(name: "CommandLineTests", dependencies: ["deltah", "LogitDumps", "_TestSupport"], exclude: ["Golden"]),
    .testTarget(
      name: "CurvatureTests",
      dependencies: ["Curvature", "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport", "_TestSupport"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "DumpAnalysis", "TabularPolicies", "PolicyCliff", "_TestSupport"],
      exclude: ["Golden"]),
    .testTarget(name: "NotebookSupportTests", dependencies: ["_NotebookSupport"]),
    .testTarget(name: "PolicyCliffTests", dependencies: ["PolicyCliff", "Curvature", "SoftmaxEntropy", "_TestSupport"]),
    .testTarget(
      name: "EntropyInterventionsTests",
      dependencies: ["EntropyInterventions", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport", "_TestSupport",
        .product(name: "RealModule", package: "swift-numerics")]),
    .testTarget(
      name: "TabularPoliciesTests",
      dependencies: ["TabularPolicies", "EntropyInterventions", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport", "_TestSupport"]),
  ]
)
