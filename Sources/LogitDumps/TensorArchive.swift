// DeltaH — entropy change of softmax policies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An opened container of named tensors: a safetensors file, an `.npz` archive, a single `.npy`
/// file, or a folder of `.npy` files — plus its string metadata.
///
/// Nothing is decoded at open time except headers: tensors are mapped (or, for DEFLATE `.npz`
/// members, inflated on demand), so opening a huge dump is cheap.
///
/// ## Formats and metadata
///
/// | path | format | tensor names | metadata |
/// |---|---|---|---|
/// | folder | one `.npy` per tensor | file stem (`logits.npy` → `logits`) | `metadata.json` in the folder |
/// | `PK…` file | `.npz` | member name without `.npy` | `<stem>.metadata.json` beside the archive |
/// | `\x93NUMPY…` file | single `.npy` | file stem | `<stem>.metadata.json` beside the file |
/// | any other file | safetensors | header keys | the header's `__metadata__` |
///
/// Formats are detected from the first bytes, not the extension. Metadata JSON files must hold
/// one object whose values are strings or numbers (numbers are kept as their literal text). An
/// `.npz` sidecar that records its archive's member CRC-32s (``archiveChecksumKey``) must match
/// the archive: a stale pair is refused.
public struct TensorArchive: Sendable {
  /// The container format.
  public enum Format: String, Sendable, Hashable {
    case safetensors
    case npz
    case npy
    case npyFolder = "npy folder"
  }

  /// The path as given.
  public let path: String
  /// The detected format.
  public let format: Format
  /// The tensors, in file order (safetensors header order, ZIP directory order, or sorted by
  /// name for folders).
  public let tensors: [Tensor]
  /// String metadata (empty when there is none).
  public let metadata: [String: String]
  /// The metadata sidecar that was read, if any.
  public let metadataFile: String?

  /// Opens the container at `path`.
  ///
  /// - Throws: ``DumpError`` naming the file, the tensor (when one is at fault) and the problem.
  /// - Complexity: O(total header size); data is not read.
  public init(path: String) throws(DumpError) {
    self.path = path
    var info = stat()
    guard stat(path, &info) == 0 else { throw DumpError.system(path, "stat", errno: errno) }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      format = .npyFolder
      tensors = try Self.readFolder(path)
      let sidecar = Self.join(path, "metadata.json")
      (metadata, metadataFile) = try Self.readSidecar(sidecar)
      return
    }
    let file = try MappedFile(path: path)
    let head = file._bytes.prefix(6)
    if head.elementsEqual(_Npy.magic) {
      format = .npy
      tensors = [try _Npy.readMapped(file, range: 0..<file.count, name: Self.stem(path), errorFile: path)]
      (metadata, metadataFile) = try Self.readSidecar(Self.sidecarPath(path))
    } else if head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B
      && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))
    {
      format = .npz
      tensors = try _Npz.read(file)
      (metadata, metadataFile) = try Self.readSidecar(Self.sidecarPath(path))
      if let sidecar = metadataFile, let recorded = metadata[Self.archiveChecksumKey] {
        try Self.checkPairing(recorded: recorded, entries: try _Npz.centralDirectory(file), sidecar: sidecar, archive: path)
      }
    } else {
      format = .safetensors
      (tensors, metadata) = try _Safetensors.read(file)
      metadataFile = nil
    }
    try file.checkUnchanged()  // the headers were read from what the file still holds
  }

  /// The tensor stored under `name`, if any.
  ///
  /// - Complexity: O(number of tensors).
  public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }

  // MARK: Paths

  static func join(_ folder: String, _ name: String) -> String {
    folder.hasSuffix("/") ? folder + name : folder + "/" + name
  }

  /// The last path component without its extension.
  static func stem(_ path: String) -> String {
    let base = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
    return String(base[..<dot])
  }

  /// `dir/name.npz` → `dir/name.metadata.json`.
  static func sidecarPath(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    return folder + stem(path) + ".metadata.json"
  }

  // MARK: Folders of .npy files

  private static func readFolder(_ path: String) throws(DumpError) -> [Tensor] {
    guard let dir = opendir(path) else { throw DumpError.system(path, "opendir", errno: errno) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name.hasSuffix(".npy") && name.count > 4 && !name.hasPrefix(".") { names.append(name) }
    }
    names.sort()
    guard !names.isEmpty else { throw DumpError(file: path, problem: "folder holds no .npy files") }
    var tensors: [Tensor] = []
    for name in names {
      let filePath = join(path, name)
      let file = try MappedFile(path: filePath)
      tensors.append(try _Npy.readMapped(file, range: 0..<file.count, name: String(name.dropLast(4)), errorFile: filePath))
    }
    return tensors
  }

  // MARK: Metadata sidecars

  /// Reads a metadata JSON file if it exists.
  static func readSidecar(_ path: String) throws(DumpError) -> ([String: String], String?) {
    var info = stat()
    guard stat(path, &info) == 0 else { return ([:], nil) }
    let file = try MappedFile(path: path)
    let json: _JSON
    do {
      json = try withExtendedLifetime(file) { () throws(_JSONError) -> _JSON in try _JSON.parse(file._bytes) }
    } catch {
      throw DumpError(file: path, problem: "metadata is not valid JSON: \(error.description)", underlying: error)
    }
    guard case .object(let members) = json else {
      throw DumpError(file: path, problem: "metadata must be a JSON object, found \(json.kindName)")
    }
    var metadata: [String: String] = [:]
    for (key, value) in members {
      switch value {
      case .string(let s): metadata[key] = s
      case .number(let n): metadata[key] = n
      default:
        throw DumpError(file: path, problem: "metadata value for '\(key)' is \(value.kindName); strings or numbers expected")
      }
    }
    return (metadata, path)
  }
}
