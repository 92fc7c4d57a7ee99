// DeltaH — entropy change of softmax policies.

import SoftmaxEntropy

/// The soft policy π_α = softmax(Q/α) for any finite Q and finite α > 0.
///
/// Formed as `SoftmaxPolicy(logits: Q, temperature: α)`. When that is refused because Q/α (or
/// 1/α, or its spread) is beyond Double's range — a tiny α, where π_α is the uniform policy on
/// the ties — the same policy is formed at temperature 1 from the shifted logits
/// (Q − max Q)/α ≤ 0, each held at −1.8e308 when it is below (an action with
/// (Q − max Q)/α < −745 has probability 0 in Double either way). The policies of this module use
/// only π_α and F(π_α), which do not depend on how the logits were scaled.
///
/// - Throws: ``PolicyCliffError/softmax(_:)`` with the error of the direct construction when the
///   shifted one fails too.
/// - Complexity: O(K).
package func softmaxOfValues(_ values: [Double], alpha: Double) throws(PolicyCliffError) -> SoftmaxPolicy {
  do {
    return try SoftmaxPolicy(logits: values, temperature: alpha)
  } catch {
    guard let top = values.max() else { throw .softmax(error) }
    let shifted = values.map { Swift.max(($0 - top) / alpha, -Double.greatestFiniteMagnitude) }
    guard let policy = try? SoftmaxPolicy(logits: shifted) else { throw .softmax(error) }
    return policy
  }
}
