// DeltaH — entropy change of softmax policies.

import DumpAnalysis
import Reports

/// The summary table for `merge` (``TextTable/rendered(summary:)``), until MergeCommand calls it directly.
enum SummaryFormatting {
  static func table(_ s: DumpSummary) -> String { TextTable.rendered(summary: s) }
}
