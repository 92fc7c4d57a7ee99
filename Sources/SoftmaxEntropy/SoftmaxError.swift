// DeltaH — entropy change of softmax policies.

/// Why a logit vector (or a quantity derived from it) was rejected.
public enum SoftmaxError: Error, Equatable, CustomStringConvertible {
  /// The logit vector has no elements.
  case emptyLogits
  /// A logit is NaN or ±∞.
  case nonFiniteLogit(index: Int, value: Double)
  /// The temperature is not a finite positive number.
  case invalidTemperature(Double)
  /// A vector that must match the number of actions has another length.
  case lengthMismatch(name: String, expected: Int, actual: Int)
  /// An input that must be finite is not.
  case nonFiniteInput(name: String, index: Int, value: Double)
  /// An action index is out of range.
  case actionOutOfRange(index: Int, actions: Int)
  /// An argument violates a documented requirement (the message says which).
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .emptyLogits:
      return "the logit vector is empty; a softmax policy needs at least one action"
    case let .nonFiniteLogit(index, value):
      return "logit \(index) is \(value); logits must be finite (NaN/Inf usually means an overflowed forward pass)"
    case let .invalidTemperature(t):
      return "temperature \(t) is invalid; it must be a finite number > 0"
    case let .lengthMismatch(name, expected, actual):
      return "\(name) has \(actual) elements but the policy has \(expected) actions"
    case let .nonFiniteInput(name, index, value):
      return "\(name)[\(index)] is \(value); it must be finite"
    case let .actionOutOfRange(index, actions):
      return "action \(index) is out of range for a policy with \(actions) actions"
    case let .invalidArgument(message):
      return message
    }
  }
}

@inline(__always)
func checkFinite(_ values: [Double], name: String) throws(SoftmaxError) {
  for (i, v) in values.enumerated() where !v.isFinite {
    throw .nonFiniteInput(name: name, index: i, value: v)
  }
}

@inline(__always)
func checkLength(_ values: [Double], _ expected: Int, name: String) throws(SoftmaxError) {
  guard values.count == expected else {
    throw .lengthMismatch(name: name, expected: expected, actual: values.count)
  }
}
