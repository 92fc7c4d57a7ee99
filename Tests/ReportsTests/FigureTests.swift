// DeltaH — entropy change of softmax policies.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PolicyCliff
import Testing
import _TestSupport
@testable import Reports

/// Every figure of the sample report inputs, built from fixed numbers.
func sampleFigures() throws -> [Figure] {
  let actual = (0..<50).map { sin(Double($0)) * 0.01 }
  let predicted = actual.enumerated().map { $0.element * 0.9 + 0.0005 * Double($0.offset % 3) }
  let entropies = (0..<400).map { i -> Double in i % 5 == 0 ? 2 * Double(i) / 400 : 1e-4 * Double(i % 7) }
  return [
    Figure.entropyTrajectory(steps: [1, 2, 3, 4], entropy: [1.2, 1.1, 0.95, 0.9], predictedChange: [-0.09, -0.16, -0.04, nil], caption: "trajectory"),
    Figure.predictedVsActual(predicted: predicted, actual: actual, caption: "scatter"),
    Figure.polarityByQuadrant(quadrants: ["A>0,p>e^-H", "A>0,p<e^-H", "A<0,p>e^-H", "A<0,p<e^-H"], polaritySums: [-0.4, 0.2, 0.3, -0.1], caption: "quadrants"),
    Figure.entropyHistogram(entropies: entropies, percentile80: 0.3, caption: "histogram"),
    Figure.covarianceVsEntropyChange(covariance: [0.1, 0.05, 0.02], entropyChange: [-0.1, -0.04, -0.03], covarianceLabel: "Cov", learningRate: 1, caption: "cov"),
    Figure.eigenvalueSpectra(fisher: [0.24, 0.1, 0.02], entropyHessian: [-0.5, 0.2, 0.05], caption: "spectra"),
    Figure.policyCliff(try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1), caption: "cliff"),
  ]
}

@Suite("Report figures")
struct FigureTests {
  @Test func everyFigureIsWellFormedSVG() throws {
    let figures = try sampleFigures()
    #expect(Set(figures.map(\.label)).count == figures.count, "labels must be unique (they are the SVG ids)")
    for f in figures {
      let census = try #require(XMLCensus.of(f.svg), "\(f.label) does not parse as XML")
      #expect(census.counts["svg"] == 1)
      #expect(f.svg.contains("viewBox=\"0 0 336 240\""))
      #expect((census.counts["text"] ?? 0) >= 5, "\(f.label): title, axis labels and tick labels")
      if let dir = ProcessInfo.processInfo.environment["DELTAH_FIGURE_DIR"] {
        try Data(f.svg.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(f.label).svg"))
      }
    }
  }

  @Test func scatterHasOnePointPerPairAndThePearsonInTheLegend() throws {
    let x = [0.1, 0.2, 0.3, 0.4, 0.5], y = [0.12, 0.18, 0.33, 0.39, 0.52]
    let f = Figure.predictedVsActual(predicted: x, actual: y, caption: "")
    let census = try #require(XMLCensus.of(f.svg))
    #expect(census.count("circle", class: "point") == 5)
    #expect(census.count("path", class: "reference") == 1, "the y = x line")
    let mx: Double = 0.3
    let my: Double = y.reduce(0, +) / 5
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in 0..<5 {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
      syy += (y[i] - my) * (y[i] - my)
    }
    let r = sxy / (sxx * syy).squareRoot()
    #expect(census.text.contains("Pearson r = \(NumberFormatting.significant(r, digits: 4))"))
    #expect(census.text.contains("y = x"))
  }

  @Test func largeScattersAreThinnedForDrawingOnly() throws {
    let x = (0..<5000).map { Double($0) }
    let f = Figure.predictedVsActual(predicted: x, actual: x.map { $0 * 2 }, maxPoints: 1000, caption: "")
    let census = try #require(XMLCensus.of(f.svg))
    #expect(census.count("circle", class: "point") == 1000)
    #expect(census.text.contains("Pearson r = 1.000"))
  }

  @Test func trajectoryDrawsMeasuredLineAndPredictedSegments() throws {
    let f = Figure.entropyTrajectory(steps: [1, 2, 3], entropy: [1, 0.9, 0.85], predictedChange: [-0.1, -0.04, nil], caption: "")
    let census = try #require(XMLCensus.of(f.svg))
    #expect(census.count("circle", class: "marker") == 3)
    let paths = (census.attributes["path"] ?? []).filter { $0["class"] == "series" }
    #expect(paths.count == 2)
    #expect(paths[1]["d"]!.filter { $0 == "M" }.count == 2, "one dashed segment per predicted step")
  }

  @Test func histogramUsesLogAxisWhenMassSitsNearZero() throws {
    let small: [Double] = (0..<900).map { 1e-5 * Double($0 % 10 + 1) }
    let large: [Double] = (0..<100).map { Double($0) / 50 }
    let nearZero = small + large
    let f = Figure.entropyHistogram(entropies: nearZero, percentile80: 0.01, caption: "")
    let census = try #require(XMLCensus.of(f.svg))
    #expect(census.text.contains("log scale"))
    #expect(f.svg.contains("<tspan"), "decade labels 10^k")
    #expect(census.count("line", class: "reference") == 1, "the 80th-percentile line")
    #expect(census.text.contains("80th percentile = 0.0100"))
    let spread = (0..<1000).map { Double($0) / 500 }
    let linear = try #require(XMLCensus.of(Figure.entropyHistogram(entropies: spread, percentile80: 1.6, caption: "").svg))
    #expect(!linear.text.contains("log scale"))
    #expect(linear.count("rect", class: "bin") == 30)
  }

  @Test func quadrantBarsAndCliffSeries() throws {
    let bars = try #require(XMLCensus.of(Figure.polarityByQuadrant(quadrants: ["A>0,p>e^-H", "A<0,p<e^-H"], polaritySums: [0.2, -0.3], caption: "").svg))
    #expect(bars.count("rect", class: "bar") == 2)
    #expect(bars.text.contains("π > e^−H"))
    let curve = try PolicyCliffCurve(values: [1, 1, 0], alpha: 0.1, count: 9)
    #expect(curve.greedy.allSatisfy { $0 == 1 }, "at a tie any ε moves the greedy policy by 1")
    #expect(zip(curve.soft, curve.epsilons).allSatisfy { $0.0 <= curve.lipschitzTV * $0.1 + 1e-12 })
    let cliff = try #require(XMLCensus.of(Figure.policyCliff(curve, caption: "").svg))
    #expect(cliff.count("circle", class: "marker") == 27, "three series × nine ε")
    #expect(cliff.count("path", class: "series") == 4)
  }

  @Test func textIsEscapedForXML() throws {
    var plot = Plot(title: "a < b & \"c\"", x: .init("x <i>"), y: .init("y & z"))
    plot.series.append(.init("s'1", kind: .scatter, x: [0, 1], y: [0, 1]))
    let census = try #require(XMLCensus.of(plot.svg()))
    #expect(census.text.contains("a < b & \"c\""))
    #expect(census.text.contains("x <i>"))
  }

  @Test func linearTicksAreNiceAndCoverTheData() {
    let ranges: [(Double, Double)] = [(0, 1), (-0.0123, 0.0456), (3, 3), (1e-7, 3e-7), (-250, 17), (0.9, 1.1), (12345, 98765)]
    for (lo, hi) in ranges {
      let (ticks, step) = AxisTicks.linear(lower: lo, upper: hi)
      #expect(ticks.first! <= lo && ticks.last! >= hi, "ticks cover [\(lo), \(hi)]")
      #expect((3...12).contains(ticks.count), "\(ticks.count) ticks for [\(lo), \(hi)]")
      let mantissa = step / pow(10, log10(step).rounded(.down))
      #expect([1.0, 2, 5].contains { abs($0 - mantissa) < 1e-9 }, "step \(step) is 1, 2 or 5 × 10^k")
      for t in ticks { #expect(abs(t / step - (t / step).rounded()) < 1e-6, "tick \(t) is a multiple of \(step)") }
      let labels = ticks.map { AxisTicks.label($0, step: step) }
      #expect(Set(labels).count == labels.count, "distinct labels \(labels)")
    }
    #expect(AxisTicks.linear(lower: 0, upper: 1).ticks == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1] || AxisTicks.linear(lower: 0, upper: 1).ticks.count == 6)
    #expect(AxisTicks.label(-0.5, step: 0.1) == "\u{2212}0.5")
  }

  @Test func logTicksArePowersOfTenCoveringTheData() {
    let ticks = AxisTicks.logarithmic(lower: 3e-5, upper: 2.1)
    #expect(ticks.first! <= 3e-5 && ticks.last! >= 2.1)
    #expect(ticks.allSatisfy { abs(log10($0) - log10($0).rounded()) < 1e-12 })
    let narrow = AxisTicks.logarithmic(lower: 0.03, upper: 0.4)
    #expect(narrow.first! <= 0.03 && narrow.last! >= 0.4)
    #expect(narrow.contains(0.05) && narrow.contains(0.2))
    let wide = AxisTicks.logarithmic(lower: 1e-20, upper: 1)
    #expect(wide.count <= 12 && wide.first! <= 1e-20 && wide.last! >= 1)
  }
}
