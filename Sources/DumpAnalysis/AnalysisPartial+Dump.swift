// DeltaH — entropy change of softmax policies.

import LogitDumps

extension AnalysisPartial {
  /// The partial of `table` (a shard of `dump`): the provenance `merge` checks and restores
  /// (source, identity, step, η and its source, the temperature's source, tensors read and
  /// ignored, impossible logged values), so the merged summary equals the unsharded one.
  /// `options.temperatureSource`, when nil, is derived as in ``BatchAnalysis/init(dump:table:options:)``.
  ///
  /// - Throws: ``DumpError`` when a setting or the shard is outside its domain
  ///   (``AnalysisOptions/validate()``, 0 ≤ index < count: such a partial is never written) or a
  ///   logged tensor cannot be read.
  /// - Complexity: O(positions of the shard).
  public init(dump: LogitDump, table: PositionTable, options: AnalysisOptions, shard: (index: Int, count: Int)) throws(DumpError) {
    do { try options.validate() } catch { throw DumpError(file: dump.path, setting: error) }
    guard shard.count >= 1, shard.index >= 0, shard.index < shard.count else {
      throw DumpError(file: dump.path, setting: AnalysisSettingError(setting: "shard", value: "\(shard.index)/\(shard.count)", problem: "must be i/n with 0 ≤ i < n"))
    }
    var options = options
    if options.temperatureSource == nil { options.temperatureSource = BatchAnalysis.temperatureSource(of: dump, table: table) }
    var provenance = PartialProvenance(
      source: dump.path, identity: DumpIdentity(dump: dump).description, step: dump.step, options: options,
      shard: shard, tensorsRead: dump.tensorsRead, ignoredTensors: dump.ignoredTensors,
      impossibleValues: try ImpossibleLoggedValues(table: table, dump: dump))
    provenance.metadataWarnings = dump.metadataWarnings
    self.init(table: table, provenance: provenance)
  }
}
