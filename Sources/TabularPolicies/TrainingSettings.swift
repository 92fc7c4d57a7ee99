// DeltaH — entropy change of softmax policies.

import EntropyDynamics
import EntropyInterventions

/// The settings a tabular training run used (`summary.settings` of `deltah bandit|mdp --json`):
/// every setting its rule and its intervention read, with the value used, which of them were
/// library defaults, which given settings the run did not read, the sampling seed and the step
/// scaling. Settings the run does not read are not listed: they had no effect on it.
///
/// JSON keys: `rule` and `intervention` (objects from a setting's JSON key, e.g. `clip_low`, to the
/// value used; null for an absent setting such as no dual clip), `defaults` (the settings whose
/// value is the library default, including `sample_seed` and `scaling`), `not_read` (settings
/// given that neither the rule nor the intervention reads), `sample_seed` (null for exact rules,
/// which do not sample) and `scaling`.
public struct TrainingSettings: Sendable, Codable, Equatable {
  /// The rule's settings that it reads, with the values used, in ``UpdateRule/Parameters/Field`` order.
  public let rule: [Setting]
  /// The intervention's settings that it reads, with the values used.
  public let intervention: [Setting]
  /// The settings (JSON keys) whose value is the library default, in the order listed.
  public let defaults: [String]
  /// The settings (JSON keys) that were given but that the run does not read.
  public let notRead: [String]
  /// The mt19937 seed of the sampling stream; nil for exact rules.
  public let sampleSeed: UInt64?
  /// The step scaling across states.
  public let scaling: StateStepScaling.Kind

  /// A setting by its JSON key, with the value used (nil: absent, e.g. no dual clip).
  public struct Setting: Sendable, Equatable {
    public let name: String
    public let value: Double?
  }

  /// The JSON keys.
  public enum CodingKeys: String, CodingKey {
    case rule, intervention, defaults, scaling
    case notRead = "not_read"
    case sampleSeed = "sample_seed"
  }

  /// The settings of a run with the update `rule` (its ``UpdateRule/settings``) and `intervention`
  /// configured by `interventionParameters`; the `given…Settings` are what the caller set
  /// explicitly (the rest are library defaults), `sampleSeedIsDefault` whether the seed was derived
  /// rather than given.
  ///
  /// - Complexity: O(number of settings).
  public init(
    rule: UpdateRule, givenRuleSettings: Set<UpdateRule.Parameters.Field>,
    intervention: EntropyIntervention.Kind, interventionParameters: EntropyIntervention.Parameters,
    givenInterventionSettings: Set<EntropyIntervention.Parameters.Field>, sampleSeed: UInt64, sampleSeedIsDefault: Bool,
    scaling: StateStepScaling.Kind, scalingIsDefault: Bool
  ) {
    let ruleRead = rule.settings
    let isSampled = if case .sampled = rule { true } else { false }
    let interventionRead = interventionParameters.settings(readBy: intervention)
    self.rule = ruleRead.map { Setting(name: $0.field.rawValue, value: $0.value) }
    self.intervention = interventionRead.map { Setting(name: $0.field.rawValue, value: $0.value) }
    self.sampleSeed = isSampled ? sampleSeed : nil
    self.scaling = scaling
    let readRule = Set(ruleRead.map(\.field)), readIntervention = Set(interventionRead.map(\.field))
    var defaults = ruleRead.filter { !givenRuleSettings.contains($0.field) }.map(\.field.rawValue)
    defaults += interventionRead.filter { !givenInterventionSettings.contains($0.field) }.map(\.field.rawValue)
    if isSampled && sampleSeedIsDefault { defaults.append(CodingKeys.sampleSeed.rawValue) }
    if scalingIsDefault { defaults.append(CodingKeys.scaling.rawValue) }
    self.defaults = defaults
    var notRead = UpdateRule.Parameters.Field.allCases.filter { givenRuleSettings.contains($0) && !readRule.contains($0) }.map(\.rawValue)
    notRead += EntropyIntervention.Parameters.Field.allCases
      .filter { givenInterventionSettings.contains($0) && !readIntervention.contains($0) }.map(\.rawValue)
    if !isSampled && !sampleSeedIsDefault { notRead.append(CodingKeys.sampleSeed.rawValue) }
    self.notRead = notRead
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    rule = try Self.decodeSettings(c, .rule)
    intervention = try Self.decodeSettings(c, .intervention)
    defaults = try c.decode([String].self, forKey: .defaults)
    notRead = try c.decode([String].self, forKey: .notRead)
    sampleSeed = try c.decodeIfPresent(UInt64.self, forKey: .sampleSeed)
    scaling = try c.decode(StateStepScaling.Kind.self, forKey: .scaling)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    for (key, settings) in [(CodingKeys.rule, rule), (.intervention, intervention)] {
      var object = c.nestedContainer(keyedBy: SettingKey.self, forKey: key)
      for s in settings { try object.encode(s.value, forKey: SettingKey(s.name)) }
    }
    try c.encode(defaults, forKey: .defaults)
    try c.encode(notRead, forKey: .notRead)
    try c.encode(sampleSeed, forKey: .sampleSeed)
    try c.encode(scaling, forKey: .scaling)
  }

  /// The settings object under `key`, in the order of the setting names' enum.
  private static func decodeSettings(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Setting] {
    let object = try c.nestedContainer(keyedBy: SettingKey.self, forKey: key)
    let order = UpdateRule.Parameters.Field.allCases.map(\.rawValue) + EntropyIntervention.Parameters.Field.allCases.map(\.rawValue)
    return try object.allKeys.sorted { (order.firstIndex(of: $0.stringValue) ?? .max) < (order.firstIndex(of: $1.stringValue) ?? .max) }
      .map { Setting(name: $0.stringValue, value: try object.decodeIfPresent(Double.self, forKey: $0)) }
  }

  /// A setting's name as a JSON key.
  private struct SettingKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
  }
}
