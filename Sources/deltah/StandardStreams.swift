// DeltaH — entropy change of softmax policies.

import LogitDumps

/// Writes `text` to standard error: ``OutputFile/writeStandardError(_:)``.
func writeStandardError(_ text: String) { OutputFile.writeStandardError(text) }
