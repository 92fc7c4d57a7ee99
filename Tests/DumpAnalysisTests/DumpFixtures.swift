// DeltaH — entropy change of softmax policies.

import Foundation
import LogitDumps
import _TestSupport

/// Writes small dumps for the tests into a fresh temporary folder, removed with everything in it
/// when the fixtures are released (a suite instance holds them for one test).
final class DumpFixtures: Sendable {
  let directory: String

  init() {
    directory = NSTemporaryDirectory() + "deltah-analysis-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  func path(_ name: String) -> String { directory + "/" + name }

  /// A [B, T, V] dump with random logits (F64 or F32), tokens, advantages, a mask and group ids.
  struct Batch {
    var logits: [Double]
    var tokens: [Int64]
    var advantages: [Double]
    var mask: [UInt8]
    var groups: [Int64]
    var b: Int, t: Int, v: Int
  }

  static func randomBatch(b: Int, t: Int, v: Int, seed: UInt64, scale: Double = 3) -> Batch {
    var rng = SplitMix64(seed: seed)
    let n = b * t
    let logits = (0..<(n * v)).map { i -> Double in
      let spike = i % v == (i / v) % 7 ? 4.0 : 0.0
      return scale * rng.normal() + spike
    }
    let tokens = (0..<n).map { _ in Int64(rng.next() % UInt64(v)) }
    let advantages = (0..<n).map { _ in rng.normal() }
    var mask = [UInt8](repeating: 1, count: n)
    mask[n - 1] = 0
    mask[t - 1] = 0
    let groups = (0..<n).map { Int64(($0 / t) / 2) }
    return Batch(logits: logits, tokens: tokens, advantages: advantages, mask: mask, groups: groups, b: b, t: t, v: v)
  }

  /// Writes `batch` as safetensors; F64 or F32 logits. `metadata`, when given, replaces the
  /// default `temperature` and `step`.
  func write(
    _ batch: Batch, name: String, float32: Bool = false, temperature: Double = 1, metadata: [String: String]? = nil,
    extra: (inout SafetensorsWriter) -> Void = { _ in }
  ) throws -> String {
    var w = SafetensorsWriter(metadata: metadata ?? ["temperature": "\(temperature)", "step": "7"])
    if float32 {
      w.add("logits", batch.logits.map { Float($0) }, shape: [batch.b, batch.t, batch.v])
    } else {
      w.add("logits", batch.logits, shape: [batch.b, batch.t, batch.v])
    }
    w.add("token_ids", batch.tokens, shape: [batch.b, batch.t])
    w.add("advantages", batch.advantages, shape: [batch.b, batch.t])
    w.add("response_mask", batch.mask, shape: [batch.b, batch.t])
    w.add("group_ids", batch.groups, shape: [batch.b, batch.t])
    extra(&w)
    let p = path(name)
    try w.write(to: p)
    return p
  }
}
