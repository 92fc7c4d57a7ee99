// DeltaH — entropy change of softmax policies.

/// A tensor of the logit-dump contract, by canonical name.
///
/// | field | shape | element types | verl alias |
/// |---|---|---|---|
/// | `logits` | `[N, V]` or `[B, T, V]` | F32, BF16, F16, F64 | |
/// | `token_ids` | positions | integer | `responses` |
/// | `advantages` | positions | float | |
/// | `mask` | positions | BOOL, U8 (or any integer; nonzero = valid) | `response_mask` |
/// | `old_logprobs` | positions | float | `old_log_probs` |
/// | `logprobs` | positions | float | `log_probs` |
/// | `entropy` | positions | float | `entropys` |
/// | `sequence_ids` | positions | integer | |
/// | `group_ids` | positions | integer | |
/// | `topk_logprobs` | positions + `[k]` | float | |
/// | `topk_ids` | positions + `[k]` | integer | |
///
/// "positions" is the position shape `[N]` or `[B, T]`: the logits' shape without its last
/// axis, or, without logits, the shape of the first per-position tensor present (in the order
/// above).
public enum DumpField: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
  case logits
  case tokenIds = "token_ids"
  case advantages
  case mask
  case oldLogprobs = "old_logprobs"
  case logprobs
  case entropy
  case sequenceIds = "sequence_ids"
  case groupIds = "group_ids"
  case topkLogprobs = "topk_logprobs"
  case topkIds = "topk_ids"

  /// The canonical tensor name (`"token_ids"`, …).
  ///
  /// - Complexity: O(1).
  public var canonicalName: String { rawValue }

  public var description: String { rawValue }

  /// Other names accepted for this field (verl batch keys).
  ///
  /// - Complexity: O(1).
  public var aliases: [String] {
    switch self {
    case .tokenIds: ["responses"]
    case .mask: ["response_mask"]
    case .oldLogprobs: ["old_log_probs"]
    case .logprobs: ["log_probs"]
    case .entropy: ["entropys"]
    default: []
    }
  }

  /// True for fields with one trailing axis beyond the position shape (`logits`, `topk_*`).
  ///
  /// - Complexity: O(1).
  public var hasInnerAxis: Bool {
    switch self {
    case .logits, .topkLogprobs, .topkIds: true
    default: false
    }
  }

  /// Whether `type` is allowed for this field.
  func accepts(_ type: ElementType) -> Bool {
    switch self {
    case .logits, .advantages, .oldLogprobs, .logprobs, .entropy, .topkLogprobs:
      type.isFloatingPoint
    case .tokenIds, .sequenceIds, .groupIds, .topkIds:
      type.isInteger
    case .mask:
      type == .bool || type.isInteger
    }
  }

  /// The allowed element types, in words.
  var allowedTypesDescription: String {
    switch self {
    case .logits, .advantages, .oldLogprobs, .logprobs, .entropy, .topkLogprobs:
      "a floating-point type (F32, BF16, F16, F64)"
    case .tokenIds, .sequenceIds, .groupIds, .topkIds:
      "an integer type (I64, I32, I16, I8, U8, U16, U32, U64)"
    case .mask:
      "BOOL, U8 or another integer type"
    }
  }
}
