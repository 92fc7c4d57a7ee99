// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis

/// `--clip-low ε_l --clip-high ε_h [--dual-clip c]`: PPO ratio clipping in the polarity split.
struct ClippingSettings: ParsableArguments {
  @Option(help: "PPO clip ε_l: with --clip-high, tokens with A < 0 and r < 1 − ε_l are clipped (r = exp(log π − old_logprobs)).")
  var clipLow: Double?

  @Option(help: "PPO clip ε_h (DAPO clip-higher: ε_h > ε_l): tokens with A > 0 and r > 1 + ε_h are clipped.")
  var clipHigh: Double?

  @Option(help: "verl's dual clip c > 1: tokens with A < 0 and r > c are clipped too.")
  var dualClip: Double?

  func validate() throws {
    if (clipLow == nil) != (clipHigh == nil) { throw ValidationError("--clip-low and --clip-high go together") }
    if dualClip != nil, clipLow == nil { throw ValidationError("--dual-clip needs --clip-low and --clip-high") }
    if let l = clipLow, !(l.isFinite && l >= 0 && l <= 1) { throw ValidationError("--clip-low must be in [0, 1]") }
    if let h = clipHigh, !(h.isFinite && h >= 0) { throw ValidationError("--clip-high must be finite and ≥ 0") }
    if let c = dualClip, !(c.isFinite && c > 1) { throw ValidationError("--dual-clip must be a finite number > 1 (verl's clip_ratio_c)") }
  }

  /// The settings, nil without --clip-low/--clip-high.
  var settings: ClipSettings? {
    guard let clipLow, let clipHigh else { return nil }
    return ClipSettings(low: clipLow, high: clipHigh, dual: dualClip)
  }
}
