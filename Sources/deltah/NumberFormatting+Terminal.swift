// DeltaH — entropy change of softmax policies.

import Reports

/// A number for the terminal tables: ``NumberFormatting/terminal(_:digits:)``.
func formatNumber(_ x: Double, digits: Int = 10) -> String { NumberFormatting.terminal(x, digits: digits) }
