// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions
import LogitDumps
import SoftmaxEntropy

/// The counterfactual table: what each entropy intervention would have done, to first order, to
/// the entropy of one recorded batch.
///
/// With g_t = (η/T)(E_π[S] − S_{y_t}) and the plain polarity P_t = A_t·g_t (``BatchAnalysis``), an
/// intervention with token weights w_t and advantage offsets b_t (``TokenWeighting``) changes the
/// first-order entropy change of the batch to
///
///     ΔH₁ = Σ_valid c_t,   c_t = w_t·P_t + b_t·g_t
///
/// Per row: `tokens_touched` = #{valid t : w_t ≠ 1 or b_t ≠ 0}; `weight_removed` = Σ_valid (1 − w_t)
/// (negative when a rule adds weight); `raising` = Σ max(c_t, 0), `lowering` = Σ min(c_t, 0), so
/// raising + lowering = ΔH₁. The `none` row is exactly `analyze`'s polarity total (same terms, same
/// compensated sum).
public struct WhatIfReport: Sendable, Codable {
  /// One row of the table.
  public struct Row: Sendable, Codable, Equatable {
    /// The intervention (``TokenWeighting/name``).
    public var name: String
    /// Σ_valid c_t.
    public var deltaFirstOrder: Double
    /// Valid tokens with w ≠ 1 or b ≠ 0.
    public var tokensTouched: Int
    /// Σ_valid (1 − w_t).
    public var weightRemoved: Double
    /// Σ max(c_t, 0) and Σ min(c_t, 0).
    public var raising: Double
    public var lowering: Double
    /// True when the rule is DeltaH's reading of a paper's words (see the README's methods table).
    public var interpretation: Bool
    /// The parameter values used, in words.
    public var parameters: String

    enum CodingKeys: String, CodingKey {
      case name, raising, lowering, interpretation, parameters
      case deltaFirstOrder = "delta_first_order"
      case tokensTouched = "tokens_touched"
      case weightRemoved = "weight_removed"
    }
  }

  /// The actual entropy change between two checkpoints, for reference (`whatif BEFORE AFTER`).
  public struct Actual: Sendable, Codable, Equatable {
    /// Positions compared.
    public var tokens: Int
    /// Σ_valid (H_after − H_before) and its mean.
    public var sum: Double
    public var mean: Double
    /// Σ_valid of the first-order prediction −Cov_π(log π, Δz/T) of the real logit change.
    public var firstOrderSum: Double

    enum CodingKeys: String, CodingKey {
      case tokens, sum, mean
      case firstOrderSum = "first_order_sum"
    }
  }

  /// The dump analysed.
  public var file: String
  /// Valid tokens.
  public var tokens: Int
  /// T and η of the polarity factors.
  public var temperature: Double
  public var learningRate: Double
  /// Where T and η came from: "flag", "metadata" or "default" (as in ``DumpSummary``; nil in JSON
  /// of older versions).
  public var temperatureSource: String? = nil
  public var learningRateSource: String? = nil
  /// KL-Cov's β (verl `ppo_kl_coef`) of the `kl-cov` row, also β₀ of `kl-cov-annealed`, and where
  /// it came from: "flag" or "default" (``WhatIfOptions/defaultKLCoefficient``; nil in JSON of
  /// older versions, which used β = 1).
  public var klCoefficient: Double? = nil
  public var klCoefficientSource: String? = nil
  /// Whether the importance ratios came from the dump's `old_logprobs` (else r = 1).
  public var usedOldLogprobs: Bool
  /// The table.
  public var interventions: [Row]
  /// The actual change, with two dumps.
  public var actual: Actual?
  /// Everything the reader should know about the numbers.
  public var warnings: [String]

  enum CodingKeys: String, CodingKey {
    case file, tokens, temperature, interventions, actual, warnings
    case learningRate = "learning_rate"
    case temperatureSource = "temperature_source"
    case learningRateSource = "learning_rate_source"
    case klCoefficient = "kl_coef"
    case klCoefficientSource = "kl_coef_source"
    case usedOldLogprobs = "used_old_logprobs"
  }
}

/// Settings of the what-if table that are not ``AnalysisOptions``.
public struct WhatIfOptions: Sendable, Equatable {
  /// The training step used by scheduled rules (Entrocraft, annealed KL-Cov, D³S); nil: the dump's
  /// `step`, else 0.
  public var step: Int?
  /// Past batch entropies for EPO's running average; empty: no EPO row.
  public var entropyHistory: [Double] = []
  /// PPO clip range (ε_l, ε_h) and dual clip for the `ppo-clip` row.
  public var clipLow = 0.2
  public var clipHigh = 0.2
  public var dualClip: Double? = nil
  /// KL-Cov's β (verl `ppo_kl_coef`, finite ≥ 0) of the `kl-cov` row and β₀ of
  /// `kl-cov-annealed`; nil: ``defaultKLCoefficient``.
  public var klCoefficient: Double? = nil

  /// β = 1, the paper's KL-Cov coefficient (its released run scripts set `ppo_kl_coef=1`; verl's
  /// `PolicyLossConfig` defaults to 0.1, and its loss falls back to 1 when the key is unset).
  public static let defaultKLCoefficient = 1.0

  public init() {}
}

extension WhatIfReport {
  /// The per-token view of an analysed batch that the interventions read.
  ///
  /// - Throws: ``DumpError`` when the dump lacks what the polarity needs (full logits, token ids,
  ///   advantages) or an importance ratio overflows Double.
  /// - Complexity: O(N).
  public static func tokenBatch(of analysis: BatchAnalysis, file: String) throws(DumpError) -> TokenBatch {
    let table = analysis.table
    guard analysis.polarity != nil, let s = table.sampledDiscriminator, let es = table.expectedDiscriminator,
      let logp = table.logProbability, let adv = table.advantages
    else {
      throw DumpError(file: file, problem: "whatif needs the per-token polarity: full 'logits', 'token_ids' and 'advantages'")
    }
    try BatchAnalysis.checkImportanceRatios(table: table, file: file)
    let (eta, t) = (analysis.options.learningRate, table.temperature)
    let g = (0..<table.count).map {
      table.valid[$0] ? EntropyPolarity.firstOrder(stepSize: eta, discriminator: s[$0], expectedDiscriminator: es[$0], temperature: t) : 0
    }
    return try BatchAnalysis.intervention(file) { () throws(InterventionError) in
      try TokenBatch(
        logProbabilities: logp, advantages: adv, entropies: table.entropy, valid: table.valid,
        oldLogProbabilities: table.oldLogProbability, sequenceIDs: table.sequenceIDs, groupIDs: table.groupIDs,
        polarityFactors: g, centredProducts: analysis.centredCovariance)
    }
  }

  /// The interventions of the standard table, each with the parameters it uses (in words). The
  /// forking arms weigh their kept tokens N/N_kept, the loss of the paper's released code (its
  /// token mean runs over the kept tokens), as the trainer's `forking` and `forking-bottom` do;
  /// KL-Cov's β is `whatIf.klCoefficient` (else ``WhatIfOptions/defaultKLCoefficient``), with its
  /// source in the parameters.
  ///
  /// - Complexity: O(1).
  public static func standardInterventions(
    options: AnalysisOptions, whatIf: WhatIfOptions, step: Int
  ) -> [(any TokenWeighting, String)] {
    let cc = options.clipCovBounds
    let beta = whatIf.klCoefficient ?? WhatIfOptions.defaultKLCoefficient
    let betaText = "\(beta) (\(whatIf.klCoefficient == nil ? "default" : "flag"))"
    var list: [(any TokenWeighting, String)] = [
      (NoIntervention(), "c = 1, no clipping"),
      (ClipCovWeighting(bounds: (cc.lower, cc.upper), ratio: options.clipCovRatio, seed: options.seed),
       "ω = (\(cc.lower), \(cc.upper)), r = \(options.clipCovRatio), seed \(options.seed)"),
      (KLCovWeighting(ratio: options.klCovRatio, coefficient: beta), "k = \(options.klCovRatio), β = \(betaText)"),
      (KLCovAnnealing(initialCoefficient: beta, schedule: .robbinsMonro(timescale: 100), ratio: options.klCovRatio, step: step),
       "k = \(options.klCovRatio), β_t = β₀/(1 + t/100), β₀ = \(betaText), t = \(step)"),
      (SteerWeighting.linear(minimum: options.steerWeightRange.lower, maximum: options.steerWeightRange.upper),
       "linear, w ∈ [\(options.steerWeightRange.lower), \(options.steerWeightRange.upper)]"),
      (FlowBalanceWeighting(), "λ* from this batch"),
      (ForkingTokenWeighting(ratio: 0.2, arm: .top, normalisesOverKept: true), "ρ = 0.2, keep H ≥ τ at N/N_kept"),
      (ForkingTokenWeighting(ratio: 0.2, arm: .bottom, normalisesOverKept: true), "ρ = 0.2, keep H < τ at N/N_kept"),
      (PolarityBranchWeighting(branches: try! PolarityBranchWeights(expanding: 1, contracting: 0), label: "expanding-only"), "w+ = 1, w− = 0"),
      (PolarityBranchWeighting(branches: try! PolarityBranchWeights(expanding: 0, contracting: 1), label: "contracting-only"), "w+ = 0, w− = 1"),
      (EntrocraftWeighting(controller: try! EntrocraftController(totalSteps: 1000), step: step),
       "bounds (0.6, 0.7) → (0.1, 0.2) over 1000 steps, t = \(step)"),
      (PPOClipWeighting(clipLow: whatIf.clipLow, clipHigh: whatIf.clipHigh, dualClip: whatIf.dualClip),
       "ε = (\(whatIf.clipLow), \(whatIf.clipHigh))" + (whatIf.dualClip.map { ", dual clip \($0)" } ?? "")),
      (CISPOWeighting(), "ε_IS = (1, 0.28)"),
      (BAPOClipping(), "ρ₀ = 0.5, c_low ∈ [0.6, 0.9], c_high ∈ [1.2, 3.0], δ = (0.05, 0.02)"),
      (HAPOAdaptiveClipping(), "ε_h, ε_l ∈ [0.2, 0.28] linear in normalised H"),
      (CovarianceKernelWeighting(), "σ² = mean Cov²"),
      (D3SDownSampling(step: step), "p, q: 0.5 → 1 over 100 steps, t = \(step)"),
      (LpRegProtection(), "ρ = 0.01, τ = 0.02"),
      (SIRENEntropyBonus(), "α = 0.01, top 20 % entropy"),
      (EMPGModulation(), "k = k′ = 1, ζ = 0.05"),
    ]
    if !whatIf.entropyHistory.isEmpty {
      list.append((EPOEntropySmoothing(history: whatIf.entropyHistory), "β = 0.01, κ = (0.5, 1.5), \(whatIf.entropyHistory.count) past entropies"))
    }
    return list
  }

  /// One row: ΔH₁ and its split under one intervention.
  ///
  /// - Throws: ``DumpError`` when the rule rejects the batch or a sum is not finite.
  /// - Complexity: that of the rule, plus O(N).
  public static func row(
    _ rule: any TokenWeighting, parameters: String, tokens: TokenBatch, polarity: [Double], file: String
  ) throws(DumpError) -> Row {
    let (w, b) = try BatchAnalysis.intervention(file) { () throws(InterventionError) in
      (try rule.weights(for: tokens), try rule.advantageOffsets(for: tokens))
    }
    let g = tokens.polarityFactors!
    var terms: [Double] = [], touched = 0
    var removed: [Double] = []
    for i in tokens.validIndices {
      var c = w[i] * polarity[i]
      if let b, b[i] != 0 { c += b[i] * g[i] }
      terms.append(c)
      removed.append(1 - w[i])
      if w[i] != 1 || (b.map { $0[i] != 0 } ?? false) { touched += 1 }
    }
    let row = Row(
      name: rule.name, deltaFirstOrder: compensatedSum(terms), tokensTouched: touched,
      weightRemoved: compensatedSum(removed), raising: compensatedSum(terms.filter { $0 > 0 }),
      lowering: compensatedSum(terms.filter { $0 < 0 }), interpretation: rule.isInterpretation, parameters: parameters)
    // A weight or term beyond Double (a huge ratio, η) would print ∞ or NaN: refuse the table.
    guard [row.deltaFirstOrder, row.weightRemoved, row.raising, row.lowering].allSatisfy(\.isFinite) else {
      throw DumpError(
        file: file,
        problem: "the \(rule.name) row is not finite (ΔH₁ = \(row.deltaFirstOrder), weight removed = \(row.weightRemoved)): its weights or terms overflow Double")
    }
    return row
  }

  /// The what-if table of one analysed dump (and, with a comparison, the actual change).
  ///
  /// - Throws: ``DumpError`` when the polarity is unavailable or a rule rejects its input.
  /// - Complexity: O(R · N log N) for R rules.
  public init(
    analysis: BatchAnalysis, file: String, step: Int?, whatIf: WhatIfOptions = .init(),
    comparison: CheckpointComparison? = nil
  ) throws(DumpError) {
    guard analysis.options.clipping == nil else {
      throw DumpError(file: file, problem: "whatif needs the unclipped polarity (c = 1): analyse without clip settings; clipping is the ppo-clip row")
    }
    let tokens = try Self.tokenBatch(of: analysis, file: file)
    let polarity = analysis.polarity!
    let t = whatIf.step ?? step ?? 0
    var warnings = analysis.summary.warnings
    if whatIf.step == nil && step == nil {
      warnings.append("no training step in the dump's metadata: scheduled rules (entrocraft, kl-cov-annealed, d3s) use t = 0")
    }
    if analysis.table.oldLogProbability == nil {
      warnings.append("no 'old_logprobs' in the dump: importance ratios are 1, so ratio-based rules (ppo-clip, cispo, bapo, hapo, kl-cov) act as on-policy")
    }
    warnings += Self.missingIdentityWarnings(tokens: tokens, step: t)
    var rows: [Row] = []
    for (rule, parameters) in Self.standardInterventions(options: analysis.options, whatIf: whatIf, step: t) {
      rows.append(try Self.row(rule, parameters: parameters, tokens: tokens, polarity: polarity, file: file))
    }
    if let comparison {
      let idx = comparison.valid.indices.filter { comparison.valid[$0] }
      let sum = compensatedSum(idx.map { comparison.deltaActual[$0] })
      actual = Actual(
        tokens: idx.count, sum: sum, mean: idx.isEmpty ? 0 : sum / Double(idx.count),
        firstOrderSum: compensatedSum(idx.map { comparison.deltaFirstOrder[$0] }))
      if comparison.positions != analysis.table.positions {
        warnings.append("the comparison covers different positions than the analysed dump")
      }
    } else {
      actual = nil
    }
    self.file = file
    self.tokens = tokens.validIndices.count
    self.temperature = analysis.table.temperature
    self.learningRate = analysis.options.learningRate
    self.temperatureSource = analysis.summary.temperatureSource
    self.learningRateSource = analysis.summary.learningRateSource
    self.klCoefficient = whatIf.klCoefficient ?? WhatIfOptions.defaultKLCoefficient
    self.klCoefficientSource = whatIf.klCoefficient == nil ? "default" : "flag"
    self.usedOldLogprobs = analysis.table.oldLogProbability != nil
    self.interventions = rows
    self.warnings = warnings
  }
}
