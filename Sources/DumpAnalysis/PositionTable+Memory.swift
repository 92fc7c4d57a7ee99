// DeltaH — entropy change of softmax policies.

import LogitDumps
import LogitKernels

extension PositionTable {
  /// Bytes of memory per position that reading a dump and analysing it may use beyond the
  /// whole-tensor conversions (which ``Tensor`` checks by itself): the table's ~15 arrays of 8
  /// bytes, the row statistics twice, and the batch analysis's sorted copies and selections.
  /// Measured at 100–250 bytes per position (peak RSS of `deltah analyze`, 10⁵–2·10⁶ positions);
  /// 320 (plus the row statistics) leaves a factor of about 2 for allocator slack.
  static let bytesPerPosition = 320

  /// An upper estimate of the memory `PositionTable(dump:temperature:range:)` and the batch
  /// analysis of it need: `positions × (320 + 2·MemoryLayout<LogitRowStatistics>.stride)` plus, for
  /// each per-position tensor, its full conversion (8 bytes per element) and, for top-k tensors,
  /// `N·k·8`. Saturates at `Int.max`.
  ///
  /// - Complexity: O(fields).
  static func estimatedMemory(dump: LogitDump, positions: Int) -> Int {
    let perPosition = bytesPerPosition + 2 * MemoryLayout<LogitRowStatistics>.stride
    var total = MemoryBudget.saturating(positions, times: perPosition)
    for (field, tensor) in dump.fields where field != .logits {
      let (sum, o) = total.addingReportingOverflow(MemoryBudget.saturating(tensor.descriptor.elementCount, times: 8))
      total = o ? .max : sum
    }
    return total
  }

  /// Throws when analysing `positions` positions of `dump` would need more memory than is
  /// available (see ``MemoryBudget``), before anything is allocated.
  ///
  /// - Throws: ``DumpError`` naming the dump.
  /// - Complexity: O(fields).
  static func requireMemory(dump: LogitDump, positions: Int) throws(DumpError) {
    try MemoryBudget.require(
      estimatedMemory(dump: dump, positions: positions),
      for: "\(positions) positions (\(dump.fields.count) tensors)", file: dump.path,
      hint: "analyse it in shards (a range of positions at a time), then merge the partials")
  }
}
