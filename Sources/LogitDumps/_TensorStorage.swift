// DeltaH — entropy change of softmax policies.

/// Where a tensor's bytes are.
enum _TensorStorage: @unchecked Sendable {
  // @unchecked: MappedFile is immutable and read-only; the payloads are values.

  /// Packed little-endian bytes at `offset` in a mapped file (safetensors, `.npy`, STORED
  /// `.npz` members).
  case mapped(file: MappedFile, offset: Int)

  /// A `.npy` member of a `.npz` compressed with DEFLATE: `compressed` is the byte range of the raw
  /// deflate stream in the mapped archive; the decoded stream is an `.npy` file whose first
  /// `dataOffset` bytes are its header; `uncompressedSize` and `crc32` come from the ZIP
  /// directory.
  case deflated(
    file: MappedFile, compressed: Range<Int>, dataOffset: Int, uncompressedSize: Int, crc32: UInt32)
}
