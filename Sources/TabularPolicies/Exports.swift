// DeltaH — entropy change of softmax policies.

// The tabular trainer runs on finite MDPs (`TabularMDP`, module FiniteMDP), which conform to
// `TabularEnvironment` here; importing TabularPolicies brings the model in. A run is configured
// with the update rules and interventions of EntropyDynamics and EntropyInterventions (the first
// brings SoftmaxEntropy) and records their types, so those come in too: the `TabularPolicies`
// product is usable from one import.
@_exported import EntropyDynamics
@_exported import EntropyInterventions
@_exported import FiniteMDP
