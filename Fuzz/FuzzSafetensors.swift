// DeltaH — entropy change of softmax policies.
//
// libFuzzer entry point: the input is a Safetensors file. Build and run with scripts/fuzz.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  fuzzOpen(data, size, suffix: ".safetensors")
  return 0
}
