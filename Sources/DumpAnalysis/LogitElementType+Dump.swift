// DeltaH — entropy change of softmax policies.

import LogitDumps
import LogitKernels

extension LogitElementType {
  /// The kernel element type of a dump's `logits` tensor.
  ///
  /// - Throws: ``DumpError`` naming the tensor when its type is not a logit type.
  /// - Complexity: O(1).
  init(logits tensor: Tensor) throws(DumpError) {
    switch tensor.elementType {
    case .f32: self = .float32
    case .bf16: self = .bfloat16
    case .f16: self = .float16
    case .f64: self = .float64
    default:
      throw DumpError(
        file: tensor.file, tensor: tensor.name,
        problem: "element type \(tensor.elementType) is not a logit type (F32, BF16, F16, F64)")
    }
  }
}
