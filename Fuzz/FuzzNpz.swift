// DeltaH — entropy change of softmax policies.
//
// libFuzzer entry point: the input is a Npz file. Build and run with scripts/fuzz.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  fuzzOpen(data, size, suffix: ".npz")
  return 0
}
