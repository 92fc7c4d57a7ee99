// DeltaH — entropy change of softmax policies.
//
// libFuzzer entry point: the input is a Npy file. Build and run with scripts/fuzz.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  fuzzOpen(data, size, suffix: ".npy")
  return 0
}
