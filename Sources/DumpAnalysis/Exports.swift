// DeltaH — entropy change of softmax policies.

// The dump pipeline reads a `LogitDump` and reports `DumpError` (module LogitDumps), so importing
// DumpAnalysis brings that module in: the `DumpAnalysis` product is usable from one import.
@_exported import LogitDumps
