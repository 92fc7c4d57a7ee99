// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#endif
import PolicyCliff
import SoftmaxEntropy
import TabularPolicies

extension Figure {
  /// The entropy trajectory across steps (solid line with markers) with, from each step, the
  /// first-order predicted change drawn as a dashed segment to (next step, H + predicted ΔH).
  ///
  /// - Parameters:
  ///   - steps: the step numbers.
  ///   - entropy: H at each step (nats).
  ///   - predictedChange: the predicted change from step i to i + 1 (nil where unknown).
  /// - Complexity: O(steps).
  public static func entropyTrajectory(steps: [Double], entropy: [Double], predictedChange: [Double?], caption: String) -> Figure {
    precondition(steps.count == entropy.count && steps.count == predictedChange.count)
    var plot = Plot(title: "Entropy across steps", x: .init("step", integerTicks: true), y: .init("H (nats)"))
    plot.series.append(.init("H (measured)", kind: steps.count > 40 ? .line(dashed: false) : .lineWithMarkers, x: steps, y: entropy, colour: 0))
    var segments: [(x: Double, y: Double)] = []
    for i in 0..<max(0, steps.count - 1) {
      guard let d = predictedChange[i] else { continue }
      segments += [(steps[i], entropy[i]), (steps[i + 1], entropy[i] + d)]
    }
    if !segments.isEmpty { plot.series.append(.init("H + first-order ΔH", kind: .segments, points: segments, colour: 1)) }
    return Figure(label: "entropy-trajectory", caption: caption, plot: plot)
  }

  /// Predicted against actual ΔH, one point per position (or step), with the line y = x and the
  /// Pearson correlation (computed on every finite pair) in the legend ("not defined" when a side
  /// is constant or there are fewer than 2 pairs). More than `maxPoints`
  /// points are thinned by an even stride for drawing only.
  ///
  /// - Complexity: O(n).
  public static func predictedVsActual(predicted: [Double], actual: [Double], unit: String = "nats", maxPoints: Int = 2000, caption: String) -> Figure {
    precondition(predicted.count == actual.count)
    let pairs = zip(predicted, actual).filter { $0.0.isFinite && $0.1.isFinite }
    let r = pearsonCorrelation(pairs.map(\.0), pairs.map(\.1))
    let stride = max(1, (pairs.count + maxPoints - 1) / maxPoints)
    let shown = Swift.stride(from: 0, to: pairs.count, by: stride).map { pairs[$0] }
    let all = pairs.flatMap { [$0.0, $0.1] }
    let range = (all.min() ?? 0)...(all.max() ?? 1)
    var plot = Plot(title: "Predicted vs actual ΔH", x: .init("first-order ΔH (\(unit))", range: range), y: .init("actual ΔH (\(unit))", range: range))
    plot.series.append(.init(shown.count == pairs.count ? "tokens" : "tokens (1 in \(stride))", kind: .scatter, x: shown.map(\.0), y: shown.map(\.1), colour: 0))
    plot.references.append(.line(slope: 1, intercept: 0, label: "y = x"))
    // Undefined (fewer than 2 pairs or a constant side): said in words, never printed as NaN.
    plot.legendNotes.append(r.map { "Pearson r = \(NumberFormatting.significant($0, digits: 4))" } ?? "Pearson r: not defined")
    return Figure(label: "predicted-vs-actual", caption: caption, plot: plot)
  }

  /// Summed polarity (predicted first-order ΔH contributions) per quadrant, advantage sign ×
  /// (π_k above or below e^(−H)), as bars; expanding quadrants in one colour, contracting in another.
  ///
  /// - Complexity: O(quadrants).
  public static func polarityByQuadrant(quadrants: [String], polaritySums: [Double], caption: String) -> Figure {
    precondition(quadrants.count == polaritySums.count)
    var plot = Plot(title: "Entropy polarity by quadrant", x: .init("quadrant (advantage sign, π_k vs e^(−H))"), y: .init("Σ polarity (nats)", includesZero: true))
    plot.categories = quadrants.map(Self.quadrantLabel)
    let xs = quadrants.indices.map(Double.init)
    let positive = polaritySums.map { $0 > 0 ? $0 : Double.nan }, negative = polaritySums.map { $0 <= 0 ? $0 : Double.nan }
    plot.series.append(.init("expanding (Σ > 0)", kind: .bars, x: xs, y: positive, colour: 2))
    plot.series.append(.init("contracting (Σ ≤ 0)", kind: .bars, x: xs, y: negative, colour: 1))
    // One slot per category: both series share it because each category has one sign.
    return Figure(label: "polarity-by-quadrant", caption: caption, plot: Self.sharedBars(plot))
  }

  /// The histogram of per-token entropies with a vertical line at the 80th percentile. When the
  /// mass sits near 0 (median < max/20 and positive values spanning > 2 decades) the x axis is
  /// logarithmic with log-spaced bins, and values below the first edge (including H = 0) are
  /// counted in the first bin, with a legend line saying how many.
  ///
  /// - Complexity: O(n + bins).
  public static func entropyHistogram(entropies: [Double], percentile80: Double, bins: Int = 30, caption: String) -> Figure {
    let h = entropies.filter { $0.isFinite && $0 >= 0 }.sorted()
    precondition(!h.isEmpty, "no finite entropies to draw")
    let maxH = max(h.last!, 1e-12)
    let median = h[h.count / 2]
    let positive = h.filter { $0 > 0 }
    let logScale = median < maxH / 20 && (positive.first.map { maxH / $0 > 100 } ?? false)
    var edges: [Double]
    if logScale {
      let lower = max(positive.first!, maxH * 1e-6)
      let a = log10(lower), b = log10(maxH) + 1e-9
      edges = (0...bins).map { pow(10, a + (b - a) * Double($0) / Double(bins)) }
    } else {
      edges = (0...bins).map { maxH * Double($0) / Double(bins) }
      edges[bins] = maxH * (1 + 1e-12)
    }
    var counts = [Double](repeating: 0, count: bins)
    for v in h {
      var i = edges.lastIndex(where: { $0 <= v }) ?? 0
      i = min(max(i, 0), bins - 1)
      counts[i] += 1
    }
    var plot = Plot(title: "Token entropy", x: .init("H (nats)" + (logScale ? ", log scale" : ""), scale: logScale ? .logarithmic : .linear), y: .init("tokens", includesZero: true))
    plot.series.append(.init("\(h.count) tokens", kind: .histogram(edges: edges), x: counts.map { _ in 0 }, y: counts, colour: 0))
    plot.references.append(.vertical(percentile80, label: "80th percentile = \(NumberFormatting.significant(percentile80, digits: 3))"))
    // On the log axis the first bar also counts the entropies left of its edge (H = 0 among them):
    // the legend says how many, so the bar is not read as tokens at H ≈ edges[0].
    let below = h.prefix { $0 < edges[0] }.count
    if logScale, below > 0 {
      plot.legendNotes.append("first bin: + \(below) with H < \(NumberFormatting.significant(edges[0], digits: 3))\(h[0] == 0 ? " (H = 0 incl.)" : "")")
    }
    return Figure(label: "entropy-histogram", caption: caption, plot: plot)
  }

  /// Covariance against entropy change, one point per step, with the first-order law
  /// ΔH = −η·Cov as a reference line when `learningRate` is given.
  ///
  /// - Complexity: O(steps).
  public static func covarianceVsEntropyChange(covariance: [Double], entropyChange: [Double], covarianceLabel: String, learningRate: Double?, caption: String) -> Figure {
    precondition(covariance.count == entropyChange.count)
    var plot = Plot(title: "Covariance vs entropy change", x: .init(covarianceLabel), y: .init("ΔH per step (nats)"))
    plot.series.append(.init("steps", kind: .scatter, x: covariance, y: entropyChange, colour: 0))
    if let lr = learningRate { plot.references.append(.line(slope: -lr, intercept: 0, label: "ΔH = −η·Cov, η = \(NumberFormatting.exact(lr))")) }
    return Figure(label: "covariance-vs-entropy-change", caption: caption, plot: plot)
  }

  /// The leading eigenvalues of the Fisher matrix and of the entropy Hessian against their rank,
  /// with the bound λ_max(F) ≤ ½.
  ///
  /// - Complexity: O(eigenvalues).
  public static func eigenvalueSpectra(fisher: [Double], entropyHessian: [Double], caption: String) -> Figure {
    var plot = Plot(title: "Eigenvalue spectra", x: .init("rank i", integerTicks: true), y: .init("eigenvalue λᵢ"))
    plot.series.append(.init("Fisher F", kind: .lineWithMarkers, x: fisher.indices.map { Double($0 + 1) }, y: fisher, colour: 0))
    plot.series.append(.init("entropy Hessian ∇²H", kind: .lineWithMarkers, x: entropyHessian.indices.map { Double($0 + 1) }, y: entropyHessian, colour: 1))
    plot.references.append(.horizontal(0.5, label: "λ_max(F) ≤ ½"))
    return Figure(label: "eigenvalue-spectra", caption: caption, plot: plot)
  }

  /// The policy-cliff perturbation curve: total-variation jumps of the greedy, uniform-argmax and
  /// soft policies against the perturbation size ε, with the soft policy's Lipschitz bound
  /// min(1, L·ε).
  ///
  /// - Complexity: O(points).
  public static func policyCliff(_ curve: PolicyCliffCurve, caption: String) -> Figure {
    let eps = curve.epsilons
    var plot = Plot(title: "Policy cliff: TV jump vs perturbation", x: .init("perturbation ‖ΔQ‖∞ = ε", scale: .logarithmic), y: .init("d_TV(π, π′)", range: 0...1))
    plot.series.append(.init("greedy", kind: .lineWithMarkers, x: eps, y: curve.greedy, colour: 1))
    plot.series.append(.init("uniform argmax", kind: .lineWithMarkers, x: eps, y: curve.uniformArgmax, colour: 3))
    plot.series.append(.init("soft, α = \(NumberFormatting.exact(curve.alpha))", kind: .lineWithMarkers, x: eps, y: curve.soft, colour: 0))
    plot.series.append(.init("bound min(1, ε/(2α(1−γ)))", kind: .line(dashed: true), x: eps, y: eps.map { min(1, curve.lipschitzTV * $0) }, colour: 6))
    return Figure(label: "policy-cliff", caption: caption, plot: plot)
  }

  /// "A>0,p>e^-H" → "A > 0\nπ > e^−H" (two lines under the bar).
  static func quadrantLabel(_ raw: String) -> String {
    let parts = raw.split(separator: ",")
    guard parts.count == 2 else { return raw }
    let a = parts[0].replacingScalars(">", with: " > ").replacingScalars("<", with: " < ")
    let p = parts[1].replacingScalars("p", with: "π").replacingScalars(">", with: " > ")
      .replacingScalars("<", with: " < ").replacingScalars("e^-H", with: "e^−H")
    return a + "\n" + p
  }

  /// Bars whose series never overlap in a category are drawn full width.
  static func sharedBars(_ plot: Plot) -> Plot {
    var p = plot
    p.sharesBarSlots = true
    return p
  }
}
