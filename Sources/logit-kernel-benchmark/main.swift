// DeltaH — entropy change of softmax policies.
//
// logit-kernel-benchmark [--rows N] [--vocabulary V] [--repeats R] [--output DIR]
//
// Times the LogitKernels row and change passes on a seeded [N × V] matrix (default 256 × 151,936,
// f32 and bf16) with 1 and 2 threads and prints Gelem/s (median of R runs after one warm-up).
// With --output it also writes the matrices and the Swift results as .npy files for
// benchmarks/numpy_row_reference.py. Lines starting with "RESULT" are for benchmarks/kernels.sh.

import LogitKernels

#if canImport(Glibc)
  import Glibc
#endif

func parseArguments() throws(BenchmarkError) -> (rows: Int, vocabulary: Int, repeats: Int, output: String?) {
  var rows = 256, vocabulary = 151_936, repeats = 5
  var output: String? = nil
  var arguments = CommandLine.arguments.dropFirst().makeIterator()
  while let flag = arguments.next() {
    guard let value = arguments.next() else { throw .usage("\(flag) needs a value") }
    switch flag {
    case "--rows": rows = Int(value) ?? 0
    case "--vocabulary": vocabulary = Int(value) ?? 0
    case "--repeats": repeats = Int(value) ?? 0
    case "--output": output = value
    default: throw .usage("unknown option \(flag); use --rows, --vocabulary, --repeats, --output")
    }
  }
  guard rows > 0, vocabulary > 0, repeats > 0 else { throw .usage("rows, vocabulary, repeats must be > 0") }
  return (rows, vocabulary, repeats, output)
}

/// Median wall time in seconds of `repeats` runs of `body` after one warm-up.
func medianSeconds(repeats: Int, _ body: () -> Void) -> Double {
  body()
  var times: [Double] = []
  let clock = ContinuousClock()
  for _ in 0..<repeats {
    let elapsed = clock.measure(body)
    times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
  }
  return times.sorted()[times.count / 2]
}

func report(_ key: String, _ label: String, elements: Int, seconds: Double) {
  let rate = Double(elements) / seconds / 1e9
  let padded = label + String(repeating: " ", count: max(0, 46 - label.count))
  print("\(padded) \(format3(seconds * 1e3)) ms  \(format3(rate)) Gelem/s")
  print("RESULT \(key) \(rate)")
}

func format3(_ x: Double) -> String {
  let scaled = (x * 1000).rounded() / 1000
  return String(scaled)
}

func run() throws {
  let (rowCount, v, repeats, output) = try parseArguments()
  print("LogitKernels benchmark: \(rowCount) × \(v), median of \(repeats); AVX2 available: \(LogitKernelPath.isAVX2Available), preferred path: \(LogitKernelPath.preferred)")
  let data = BenchmarkData(rows: rowCount, vocabularySize: v, seed: 20_240_601)
  let elements = rowCount * v
  var rowResults = [LogitRowStatistics](
    repeating: LogitRowStatistics.placeholder, count: rowCount)
  var changeResults = [LogitChangeStatistics](
    repeating: LogitChangeStatistics.placeholder, count: rowCount)

  func rowPass<T>(_ matrix: [T], _ type: LogitElementType, threads: Int, kernel: LogitKernelPath) {
    matrix.withUnsafeBytes { raw in
      data.tokens.withUnsafeBufferPointer { tokens in
        rowResults.withUnsafeMutableBufferPointer { out in
          computeRowStatistics(
            rows: raw.baseAddress!, elementType: type, rowCount: rowCount, vocabularySize: v,
            rowStride: v * type.byteWidth, sampledTokens: tokens.baseAddress,
            into: out.baseAddress!, threads: threads, kernel: kernel)
        }
      }
    }
  }
  func changePass<T>(_ a: [T], _ b: [T], _ type: LogitElementType, threads: Int, kernel: LogitKernelPath) {
    a.withUnsafeBytes { ra in
      b.withUnsafeBytes { rb in
        changeResults.withUnsafeMutableBufferPointer { out in
          computeChangeStatistics(
            before: ra.baseAddress!, after: rb.baseAddress!, elementType: type, rowCount: rowCount,
            vocabularySize: v, rowStride: v * type.byteWidth, into: out.baseAddress!,
            threads: threads, kernel: kernel)
        }
      }
    }
  }

  let kernel = LogitKernelPath.preferred
  for threads in [1, 2] {
    report(
      "row_f32_t\(threads)", "row statistics   f32,  \(threads) thread(s), \(kernel)", elements: elements,
      seconds: medianSeconds(repeats: repeats) { rowPass(data.before, .float32, threads: threads, kernel: kernel) })
    report(
      "row_bf16_t\(threads)", "row statistics   bf16, \(threads) thread(s), \(kernel)", elements: elements,
      seconds: medianSeconds(repeats: repeats) { rowPass(data.beforeBF16, .bfloat16, threads: threads, kernel: kernel) })
  }
  for threads in [1, 2] {
    report(
      "change_f32_t\(threads)", "change statistics f32,  \(threads) thread(s), \(kernel)", elements: elements,
      seconds: medianSeconds(repeats: repeats) { changePass(data.before, data.after, .float32, threads: threads, kernel: kernel) })
    report(
      "change_bf16_t\(threads)", "change statistics bf16, \(threads) thread(s), \(kernel)", elements: elements,
      seconds: medianSeconds(repeats: repeats) { changePass(data.beforeBF16, data.afterBF16, .bfloat16, threads: threads, kernel: kernel) })
  }
  report(
    "row_f32_scalar_t2", "row statistics   f32,  2 thread(s), scalar", elements: elements,
    seconds: medianSeconds(repeats: 1) { rowPass(data.before, .float32, threads: 2, kernel: .scalar) })

  guard let output else { return }
  mkdir(output, 0o755)
  // Matrices, then the Swift results of the f32 and bf16 passes (preferred path).
  try data.before.withUnsafeBytes { raw in
    try writeNumpyFile(path: output + "/before_f32.npy", descr: "<f4", shape: [rowCount, v], bytes: raw)
  }
  try data.after.withUnsafeBytes { raw in
    try writeNumpyFile(path: output + "/after_f32.npy", descr: "<f4", shape: [rowCount, v], bytes: raw)
  }
  try data.beforeBF16.withUnsafeBytes { raw in
    try writeNumpyFile(path: output + "/before_bf16.npy", descr: "<u2", shape: [rowCount, v], bytes: raw)
  }
  try data.afterBF16.withUnsafeBytes { raw in
    try writeNumpyFile(path: output + "/after_bf16.npy", descr: "<u2", shape: [rowCount, v], bytes: raw)
  }
  try data.tokens.withUnsafeBytes { raw in
    try writeNumpyFile(path: output + "/tokens.npy", descr: "<i8", shape: [rowCount], bytes: raw)
  }
  for (name, type) in [("f32", LogitElementType.float32), ("bf16", .bfloat16)] {
    if type == .float32 { rowPass(data.before, type, threads: 2, kernel: kernel) } else {
      rowPass(data.beforeBF16, type, threads: 2, kernel: kernel)
    }
    let rowTable = rowResults.flatMap {
      [$0.logSumExp, $0.entropy, $0.sumSquaredProbabilities, $0.expectedDiscriminator,
       $0.sampledLogProbability, $0.sampledDiscriminator, $0.topTwoGap]
    }
    try rowTable.withUnsafeBytes { raw in
      try writeNumpyFile(path: output + "/swift_row_\(name).npy", descr: "<f8", shape: [rowCount, 7], bytes: raw)
    }
    if type == .float32 { changePass(data.before, data.after, type, threads: 2, kernel: kernel) } else {
      changePass(data.beforeBF16, data.afterBF16, type, threads: 2, kernel: kernel)
    }
    let changeTable = changeResults.flatMap {
      [$0.entropyBefore, $0.entropyAfter, $0.firstOrder, $0.secondOrder, $0.localKL, $0.exactKL]
    }
    try changeTable.withUnsafeBytes { raw in
      try writeNumpyFile(path: output + "/swift_change_\(name).npy", descr: "<f8", shape: [rowCount, 6], bytes: raw)
    }
  }
  print("wrote inputs and Swift results to \(output)")
}

extension LogitRowStatistics {
  /// A value to fill result arrays before the kernels overwrite them.
  static var placeholder: LogitRowStatistics {
    var result: LogitRowStatistics? = nil
    let z: [Float] = [0]
    z.withUnsafeBytes { raw in
      withUnsafeTemporaryAllocation(of: LogitRowStatistics.self, capacity: 1) { out in
        computeRowStatistics(
          rows: raw.baseAddress!, elementType: .float32, rowCount: 1, vocabularySize: 1,
          rowStride: 4, into: out.baseAddress!, threads: 1)
        result = out[0]
      }
    }
    return result!
  }
}

extension LogitChangeStatistics {
  static var placeholder: LogitChangeStatistics {
    var result: LogitChangeStatistics? = nil
    let z: [Float] = [0]
    z.withUnsafeBytes { raw in
      withUnsafeTemporaryAllocation(of: LogitChangeStatistics.self, capacity: 1) { out in
        computeChangeStatistics(
          before: raw.baseAddress!, after: raw.baseAddress!, elementType: .float32, rowCount: 1,
          vocabularySize: 1, rowStride: 4, into: out.baseAddress!, threads: 1)
        result = out[0]
      }
    }
    return result!
  }
}

do {
  try run()
} catch {
  print("logit-kernel-benchmark: \(error)")
  exit(2)
}
