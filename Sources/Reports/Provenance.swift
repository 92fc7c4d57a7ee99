// DeltaH — entropy change of softmax policies.

/// What produced a table or figure: the tool and version, the settings (temperature, lr, ratios,
/// seed, …) in the order given, and the source files.
public struct Provenance: Sendable, Equatable, Codable {
  /// Tool and version, e.g. "DeltaH 0.1.0".
  public var generator: String
  /// The command or procedure, e.g. "deltah report".
  public var command: String?
  /// Settings as ordered name/value pairs.
  public var settings: [Setting]
  /// The files the numbers come from.
  public var sources: [String]

  /// One named setting.
  public struct Setting: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }

  public init(generator: String, command: String? = nil, settings: [Setting] = [], sources: [String] = []) {
    self.generator = generator
    self.command = command
    self.settings = settings
    self.sources = sources
  }

  /// Adds (or replaces) a setting; numbers are written in full precision.
  ///
  /// - Complexity: O(settings).
  public mutating func set(_ name: String, _ value: String) {
    if let i = settings.firstIndex(where: { $0.name == name }) { settings[i].value = value } else { settings.append(Setting(name, value)) }
  }

  /// Adds (or replaces) a numeric setting.
  ///
  /// - Complexity: O(settings) (a search by name).
  public mutating func set(_ name: String, _ value: Double) { set(name, NumberFormatting.exact(value)) }

  /// The provenance of a combined report: the union of settings (first value wins; conflicting
  /// values are joined with " / ") and sources, in order of appearance.
  ///
  /// - Complexity: O(n²) in the number of settings.
  public func merged(with other: Provenance) -> Provenance {
    var m = self
    for s in other.settings {
      if let i = m.settings.firstIndex(where: { $0.name == s.name }) {
        let values = m.settings[i].value.components(separatedBy: " / ")
        if !values.contains(s.value) { m.settings[i].value += " / " + s.value }
      } else {
        m.settings.append(s)
      }
    }
    for f in other.sources where !m.sources.contains(f) { m.sources.append(f) }
    return m
  }

  /// One line: `DeltaH 0.1.0 (deltah report); temperature = 1, lr = 0.1; sources: a, b`.
  ///
  /// - Complexity: O(settings + sources).
  public var summaryLine: String {
    var parts = [command.map { "\(generator) (\($0))" } ?? generator]
    if !settings.isEmpty { parts.append(settings.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")) }
    if !sources.isEmpty { parts.append("sources: " + sources.joined(separator: ", ")) }
    return parts.joined(separator: "; ")
  }
}
