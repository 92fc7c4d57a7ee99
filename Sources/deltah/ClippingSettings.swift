// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis

/// `--clip-low ε_l --clip-high ε_h [--dual-clip c]`: PPO ratio clipping in the polarity split.
struct ClippingSettings: ParsableArguments {
  @Option(parsing: .unconditional, help: "PPO clip ε_l in [0, 1]: with --clip-high, tokens with A < 0 and r < 1 − ε_l are clipped (r = exp(log π − old_logprobs)).", transform: CheckedArgument.unitInterval)
  var clipLow: Double?

  @Option(parsing: .unconditional, help: "PPO clip ε_h ≥ 0 (DAPO clip-higher: ε_h > ε_l): tokens with A > 0 and r > 1 + ε_h are clipped.", transform: CheckedArgument.nonNegative)
  var clipHigh: Double?

  @Option(parsing: .unconditional, help: "verl's dual clip c > 1: tokens with A < 0 and r > c are clipped too.", transform: CheckedArgument.aboveOne)
  var dualClip: Double?

  func validate() throws {
    if (clipLow == nil) != (clipHigh == nil) { throw ValidationError("--clip-low and --clip-high go together") }
    if dualClip != nil, clipLow == nil { throw ValidationError("--dual-clip needs --clip-low and --clip-high") }
  }

  /// The settings, nil without --clip-low/--clip-high.
  var settings: ClipSettings? {
    guard let clipLow, let clipHigh else { return nil }
    return ClipSettings(low: clipLow, high: clipHigh, dual: dualClip)
  }
}
