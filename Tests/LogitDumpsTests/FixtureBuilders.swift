// DeltaH — entropy change of softmax policies.

import CZlib
import Foundation
import Testing

@testable import LogitDumps

/// A fresh temporary folder, removed when the value is deinitialised.
final class TemporaryFolder {
  let path: String

  init() {
    var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("logitdumps-test-XXXXXX")).utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `bytes` to `name` in the folder and returns the full path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let full = path + "/" + name
    let parent = (full as NSString).deletingLastPathComponent
    try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    precondition(FileManager.default.createFile(atPath: full, contents: Data(bytes)))
    return full
  }

  @discardableResult
  func write(_ name: String, text: String) -> String { write(name, Array(text.utf8)) }

  /// Names of the files in the folder.
  var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
}

// MARK: - Little-endian packing

func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
func bytes(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
func bytes(_ values: [Double]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { le($0) } }

// MARK: - safetensors

/// A safetensors file from a literal header and data buffer (header padded to 8 with spaces).
func safetensors(header: String, data: [UInt8], pad: Bool = true) -> [UInt8] {
  var h = Array(header.utf8)
  if pad { while (8 + h.count) % 8 != 0 { h.append(0x20) } }
  return le(UInt64(h.count)) + h + data
}

/// One header entry.
func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
  "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
}

/// A safetensors file holding `tensors` contiguously in the given order.
func safetensors(_ tensors: [(name: String, dtype: String, shape: [Int], data: [UInt8])], metadata: [String: String] = [:]) -> [UInt8] {
  var parts: [String] = []
  if !metadata.isEmpty {
    parts.append("\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}")
  }
  var offset = 0
  var data: [UInt8] = []
  for t in tensors {
    parts.append(entry(t.name, t.dtype, t.shape, offset, offset + t.data.count))
    offset += t.data.count
    data += t.data
  }
  return safetensors(header: "{" + parts.joined(separator: ",") + "}", data: data)
}

// MARK: - .npy

/// An `.npy` file with a header dict written exactly as `dict` (padded like numpy: total header
/// a multiple of 64, ending in a newline).
func npy(dict: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
  let prefixLength = version == 1 ? 10 : 12
  var text = Array(dict.utf8)
  let total = (prefixLength + text.count + 1 + 63) / 64 * 64
  text += Array(repeating: 0x20, count: total - prefixLength - text.count - 1) + [0x0A]
  var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  out += version == 1 ? le(UInt16(text.count)) : le(UInt32(text.count))
  return out + text + data
}

func npy(descr: String, shape: String, data: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
  npy(dict: "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }", data: data, version: version)
}

// MARK: - ZIP

func crc32Of(_ data: [UInt8]) -> UInt32 {
  UInt32(data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
}

/// Raw DEFLATE (RFC 1951) of `data`.
func rawDeflate(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
  var stream = z_stream()
  precondition(czlib_deflate_init_raw(&stream, level) == Z_OK)
  var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
  var input = data
  let produced = input.withUnsafeMutableBufferPointer { inp in
    out.withUnsafeMutableBufferPointer { outp in
      stream.next_in = inp.baseAddress
      stream.avail_in = uInt(inp.count)
      stream.next_out = outp.baseAddress
      stream.avail_out = uInt(outp.count)
      let rc = deflate(&stream, Z_FINISH)
      precondition(rc == Z_STREAM_END, "deflate failed \(rc)")
      return outp.count - Int(stream.avail_out)
    }
  }
  deflateEnd(&stream)
  return Array(out[0..<produced])
}

struct ZipMember {
  var name: String
  var data: [UInt8]
  var method: UInt16 = 0
  /// numpy style: 0xFFFFFFFF sizes in the local header with a zip64 extra field.
  var zip64Local = true
  /// Put sizes and offset in a zip64 extra in the central directory too.
  var zip64Central = false
  /// Override the compressed payload (to corrupt it).
  var payloadOverride: [UInt8]? = nil
  var crcOverride: UInt32? = nil
}

/// A ZIP archive of `members`; optionally with a zip64 end-of-central-directory record.
func zip(_ members: [ZipMember], zip64End: Bool = false) -> [UInt8] {
  var out: [UInt8] = []
  var central: [UInt8] = []
  for m in members {
    let payload = m.payloadOverride ?? (m.method == 8 ? rawDeflate(m.data) : m.data)
    let crc = m.crcOverride ?? crc32Of(m.data)
    let name = Array(m.name.utf8)
    let offset = out.count
    // Local header.
    var localExtra: [UInt8] = []
    if m.zip64Local { localExtra = le(UInt16(1)) + le(UInt16(16)) + le(UInt64(m.data.count)) + le(UInt64(payload.count)) }
    out += le(UInt32(0x0403_4B50)) + le(UInt16(45)) + le(UInt16(0)) + le(m.method) + le(UInt16(0)) + le(UInt16(0x21))
    out += le(crc)
    out += m.zip64Local ? le(UInt32.max) + le(UInt32.max) : le(UInt32(payload.count)) + le(UInt32(m.data.count))
    out += le(UInt16(name.count)) + le(UInt16(localExtra.count)) + name + localExtra
    out += payload
    // Central directory record.
    var centralExtra: [UInt8] = []
    if m.zip64Central { centralExtra = le(UInt16(1)) + le(UInt16(24)) + le(UInt64(m.data.count)) + le(UInt64(payload.count)) + le(UInt64(offset)) }
    central += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt16(0)) + le(m.method)
    central += le(UInt16(0)) + le(UInt16(0x21)) + le(crc)
    central += m.zip64Central ? le(UInt32.max) + le(UInt32.max) : le(UInt32(payload.count)) + le(UInt32(m.data.count))
    central += le(UInt16(name.count)) + le(UInt16(centralExtra.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
    central += le(UInt32(0))
    central += m.zip64Central ? le(UInt32.max) : le(UInt32(offset))
    central += name + centralExtra
  }
  let cdOffset = out.count
  out += central
  if zip64End {
    let recordOffset = out.count
    out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
    out += le(UInt64(members.count)) + le(UInt64(members.count)) + le(UInt64(central.count)) + le(UInt64(cdOffset))
    out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(recordOffset)) + le(UInt32(1))
    out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16.max) + le(UInt16.max)
    out += le(UInt32.max) + le(UInt32.max) + le(UInt16(0))
  } else {
    out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count)) + le(UInt16(members.count))
    out += le(UInt32(central.count)) + le(UInt32(cdOffset)) + le(UInt16(0))
  }
  return out
}

// MARK: - Error assertions

/// Runs `body`, expecting a `DumpError` whose file ends with `file`, whose tensor is `tensor`
/// (when given; `.some(nil)` demands none) and whose problem contains every string in `problem`.
@discardableResult
func expectDumpError(
  file: String, tensor: String?? = nil, problem: [String],
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) -> DumpError? {
  do {
    try body()
    Issue.record("expected a DumpError containing \(problem)", sourceLocation: sourceLocation)
    return nil
  } catch let error as DumpError {
    #expect(error.file.hasSuffix(file), "file \(error.file) should end with \(file)", sourceLocation: sourceLocation)
    if let tensor { #expect(error.tensor == tensor, "tensor of \(error)", sourceLocation: sourceLocation) }
    for p in problem {
      #expect(error.problem.contains(p), "'\(error.problem)' should contain '\(p)'", sourceLocation: sourceLocation)
    }
    #expect(error.description.hasPrefix(error.file + ": "), sourceLocation: sourceLocation)
    if let t = error.tensor {
      #expect(error.description.contains("tensor '\(t)': "), sourceLocation: sourceLocation)
    }
    return error
  } catch {
    Issue.record("expected a DumpError, got \(error)", sourceLocation: sourceLocation)
    return nil
  }
}
