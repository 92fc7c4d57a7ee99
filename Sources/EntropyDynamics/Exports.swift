// DeltaH — entropy change of softmax policies.

// Every entropy change here is of a `SoftmaxPolicy` and throws `SoftmaxError` (module
// SoftmaxEntropy), so importing EntropyDynamics brings that module in: the `EntropyDynamics`
// product is usable from one import.
@_exported import SoftmaxEntropy
