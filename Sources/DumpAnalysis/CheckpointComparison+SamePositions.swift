// DeltaH — entropy change of softmax policies.

import LogitDumps

extension CheckpointComparison {
  /// The warning when both dumps of a comparison carry a mask and the masks differ: `compare`
  /// pairs row i of BEFORE with row i of AFTER and reads BEFORE's mask (else AFTER's), so AFTER's
  /// mask is then not used, and positions it marks as padding are compared as if valid (or the
  /// reverse). The check runs over every position of the dumps (not a shard's range), so every
  /// shard of one comparison records the same warning and `merge` accepts them. The warning gives
  /// the count and the first flat position; nil when the masks agree or either dump has none.
  ///
  /// - Throws: ``DumpError`` when a mask cannot be read.
  /// - Complexity: O(N) for N positions.
  static func maskDisagreementWarning(before: LogitDump, after: LogitDump) throws(DumpError) -> String? {
    guard let a = try before[.mask]?.bools(), let b = try after[.mask]?.bools(), a.count == b.count else { return nil }
    let differing = a.indices.filter { a[$0] != b[$0] }
    guard let first = differing.first else { return nil }
    return "the masks differ at \(differing.count) of \(a.count) positions (first: \(first)); the mask of \(before.path) is used"
  }
}
