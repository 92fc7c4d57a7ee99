// swift-tools-version: 6.1
//
// DeltaH: exact first-order (and second-order) entropy dynamics of softmax policies,
// for the analysis of entropy change in reinforcement fine-tuning of language models.

import PackageDescription

let package = Package(
  name: "DeltaH",
  products: [
    .executable(name: "deltah", targets: ["deltah"]),
    .library(name: "SoftmaxEntropy", targets: ["SoftmaxEntropy"]),
    .library(name: "EntropyDynamics", targets: ["EntropyDynamics"]),
    .library(name: "LogitKernels", targets: ["LogitKernels"]),
    .library(name: "Curvature", targets: ["Curvature"]),
    .library(name: "PolicyCliff", targets: ["PolicyCliff"]),
    .library(name: "EntropyInterventions", targets: ["EntropyInterventions"]),
    .library(name: "TabularPolicies", targets: ["TabularPolicies"]),
    .library(name: "Reports", targets: ["Reports"]),
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
      dependencies: ["DenseLinearAlgebra", .product(name: "RealModule", package: "swift-numerics")]),
    /// First-order entropy change (Cui et al. Lemma 1), PG/NPG closed forms, token covariance,
    /// entropy polarity.
    .target(name: "EntropyDynamics", dependencies: ["SoftmaxEntropy"]),
    /// Symmetric operators (Fisher, entropy and reward Hessians), Lanczos with full
    /// reorthogonalisation, natural gradients, per-position curvature, local KL.
    .target(
      name: "Curvature",
      dependencies: [
        "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport", "CCBLAS",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Policy-cliff stability (theory §11): ties, margins, stability radii, soft-policy Lipschitz
    /// bounds, perturbation experiments, near-tie statistics.
    .target(
      name: "PolicyCliff",
      dependencies: [
        "SoftmaxEntropy", "DenseLinearAlgebra", "Curvature",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Token-selection rules of entropy interventions as pure functions over token arrays:
    /// Clip-Cov, KL-Cov, STEER weights, OPEFO flow balance, Entrocraft, forking-token mask.
    .target(
      name: "EntropyInterventions",
      dependencies: ["SoftmaxEntropy", "GSLSupport", .product(name: "RealModule", package: "swift-numerics")]),
    /// Tabular softmax policies on bandits, contextual bandits and small MDPs: exact and sampled
    /// updates, entropy interventions, per-step entropy-change records.
    .target(
      name: "TabularPolicies",
      dependencies: [
        "SoftmaxEntropy", "EntropyDynamics", "EntropyInterventions", "DenseLinearAlgebra", "GSLSupport",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Dense matrices and thin wrappers over LAPACK (dsyevd, dstev, dgesv).
    .target(name: "DenseLinearAlgebra", dependencies: ["CLAPACKE", "CCBLAS"]),
    /// Thin wrappers over GSL: seeded mt19937, error handling, root finding.
    .target(name: "GSLSupport", dependencies: ["CGSL", "CCBLAS"]),
    /// Memory-mapped, streaming readers for training logit dumps (safetensors, .npy, .npz) and a
    /// safetensors writer.
    .target(name: "LogitDumps", dependencies: ["CZlib", "_SafeFilesC"]),
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
        "PolicyCliff", "GSLSupport", .product(name: "RealModule", package: "swift-numerics"),
      ]),

    /// Tables (Markdown, LaTeX, CSV, JSON), SVG figures and a one-page HTML report of analyses,
    /// comparisons, tabular runs, spectra and policy-cliff curves.
    .target(
      name: "Reports",
      dependencies: ["DumpAnalysis", "TabularPolicies", "PolicyCliff", "SoftmaxEntropy"]),

    // MARK: - Command-line tool

    .executableTarget(
      name: "deltah",
      dependencies: [
        "SoftmaxEntropy", "EntropyDynamics", "DumpAnalysis", "LogitDumps", "Curvature", "PolicyCliff",
        "EntropyInterventions", "TabularPolicies", "GSLSupport", "Reports", "DenseLinearAlgebra",
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

    .target(name: "_NotebookSupport", path: "notebooks-as-scripts/_NotebookSupport"),
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
    .testTarget(name: "DenseLinearAlgebraTests", dependencies: ["DenseLinearAlgebra", "_TestSupport"]),
    .testTarget(name: "GSLSupportTests", dependencies: ["GSLSupport", "_TestSupport"]),
    .testTarget(name: "SoftmaxEntropyTests", dependencies: ["SoftmaxEntropy", "_TestSupport"]),
    .testTarget(name: "EntropyDynamicsTests", dependencies: ["EntropyDynamics", "_TestSupport"]),
    .testTarget(
      name: "LogitDumpsTests", dependencies: ["LogitDumps", "CZlib"], exclude: ["Fixtures"]),
    .testTarget(name: "LogitKernelsTests", dependencies: ["LogitKernels", "_TestSupport"]),
    .testTarget(
      name: "DumpAnalysisTests",
      dependencies: ["DumpAnalysis", "LogitDumps", "SoftmaxEntropy", "EntropyDynamics", "_TestSupport"]),
    .testTarget(name: "CommandLineTests", dependencies: ["deltah", "_TestSupport"]),
    .testTarget(
      name: "CurvatureTests",
      dependencies: ["Curvature", "SoftmaxEntropy", "DenseLinearAlgebra", "GSLSupport", "_TestSupport"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "DumpAnalysis", "TabularPolicies", "deltah", "_TestSupport"],
      exclude: ["Golden"]),
    .testTarget(name: "PolicyCliffTests", dependencies: ["PolicyCliff", "Curvature", "SoftmaxEntropy", "_TestSupport"]),
    .testTarget(
      name: "TabularPoliciesTests",
      dependencies: ["TabularPolicies", "EntropyInterventions", "EntropyDynamics", "SoftmaxEntropy", "GSLSupport", "_TestSupport"]),
  ]
)
