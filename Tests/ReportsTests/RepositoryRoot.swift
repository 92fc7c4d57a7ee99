// DeltaH — entropy change of softmax policies.

import Foundation

/// The repository root (for docs/theory.md).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
