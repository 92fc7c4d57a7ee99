// DeltaH — entropy change of softmax policies.

// The tabular trainer runs on finite MDPs (`TabularMDP`, module FiniteMDP), which conform to
// `TabularEnvironment` here; importing TabularPolicies brings the model in.
@_exported import FiniteMDP
