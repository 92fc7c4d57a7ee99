// DeltaH — entropy change of softmax policies.

// The policy cliff is stated over margins of logit vectors (PolicyMargins: ties, margins, near-tie
// statistics, the error type) and over finite MDPs (FiniteMDP: Q*, soft Q). Both are part of this
// module's API, so importing PolicyCliff brings them in.
@_exported import FiniteMDP
@_exported import PolicyMargins
