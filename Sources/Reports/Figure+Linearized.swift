// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

extension Figure {
  /// Several predictions of ΔH against the actual ΔH, one point per position and prediction
  /// (one colour per prediction), with y = x and each prediction's Pearson r (on its finite
  /// pairs) in the legend. More than `maxPoints` positions are thinned by an even stride for
  /// drawing only.
  ///
  /// - Precondition: every prediction has `actual.count` values.
  /// - Complexity: O(predictions · n).
  public static func predictionsVsActual(predictions: [(name: String, values: [Double])], actual: [Double], unit: String = "nats", maxPoints: Int = 1500, caption: String) -> Figure {
    precondition(predictions.allSatisfy { $0.values.count == actual.count })
    let stride = max(1, (actual.count + maxPoints - 1) / maxPoints)
    var all: [Double] = []
    var plot = Plot(title: "Three predictions vs actual ΔH", x: .init("predicted ΔH (\(unit))"), y: .init("actual ΔH (\(unit))"))
    for (k, p) in predictions.enumerated() {
      let pairs = zip(p.values, actual).filter { $0.0.isFinite && $0.1.isFinite }
      let r = pearsonCorrelation(pairs.map(\.0), pairs.map(\.1))
      let shown = Swift.stride(from: 0, to: pairs.count, by: stride).map { pairs[$0] }
      all += pairs.flatMap { [$0.0, $0.1] }
      plot.series.append(.init(stride == 1 ? p.name : "\(p.name) (1 in \(stride))", kind: .scatter, x: shown.map(\.0), y: shown.map(\.1), colour: k))
      plot.legendNotes.append(r.map { "r(\(p.name)) = \(NumberFormatting.significant($0, digits: 4))" } ?? "r(\(p.name)): not defined")
    }
    let range = (all.min() ?? 0)...(all.max() ?? 1)
    plot.x.range = range
    plot.y.range = range
    plot.references.append(.line(slope: 1, intercept: 0, label: "y = x"))
    return Figure(label: "predictions-vs-actual", caption: caption, plot: plot)
  }

  /// The token-mean actual ΔH next to its three parts (linearised-network first order, logit
  /// nonlinearity, second-order remainder), as bars; the parts sum to the actual bar.
  ///
  /// - Complexity: O(1).
  public static func entropyChangeDecomposition(actual: Double, linearizedFirstOrder: Double, logitNonlinearity: Double, secondOrderRemainder: Double, caption: String) -> Figure {
    var plot = Plot(title: "Decomposition of the mean ΔH", x: .init("part"), y: .init("token-mean ΔH (nats)", includesZero: true))
    plot.categories = ["actual ΔH", "linearised\nfirst order", "logit\nnonlinearity", "second-order\nremainder"]
    plot.series.append(.init("actual", kind: .bars, x: [0, 1, 2, 3], y: [actual, .nan, .nan, .nan], colour: 0))
    plot.series.append(.init("parts (sum = actual)", kind: .bars, x: [0, 1, 2, 3], y: [.nan, linearizedFirstOrder, logitNonlinearity, secondOrderRemainder], colour: 1))
    return Figure(label: "entropy-change-decomposition", caption: caption, plot: Self.sharedBars(plot))
  }
}
