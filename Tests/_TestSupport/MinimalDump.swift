// DeltaH — entropy change of softmax policies.

import Foundation

/// The bytes of a minimal safetensors dump: `token_ids` [0, 2], `advantages` [1, −1] and F64
/// `logits` [[0.5, 0.1, −0.3], [0.2, 0, 1]] of 2 positions × 3 tokens, with `metadata` (JSON string
/// values; none when empty). For tests that need a dump whose metadata they control.
public func minimalDumpBytes(metadata: [String: String] = [:]) -> [UInt8] {
  let meta = metadata.isEmpty ? "" : #""__metadata__":{"# + metadata.sorted { $0.key < $1.key }
    .map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",") + "},"
  let header = "{" + meta + #""token_ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"advantages":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},"logits":{"dtype":"F64","shape":[2,3],"data_offsets":[32,80]}}"#
  var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8)
  for id in [Int64(0), 2] { bytes += withUnsafeBytes(of: id.littleEndian, Array.init) }
  for x in [1.0, -1.0, 0.5, 0.1, -0.3, 0.2, 0.0, 1.0] { bytes += withUnsafeBytes(of: x.bitPattern.littleEndian, Array.init) }
  return bytes
}
