// DeltaH — entropy change of softmax policies.

import ArgumentParser
import DumpAnalysis

/// `--shard i/n --partial OUT`, shared by `analyze` and `compare`: only that share of the positions
/// is read, and its partial is written for `deltah merge`.
struct ShardOptions: ParsableArguments {
  @Option(help: "Process shard i of n (e.g. 0/4): whole sequences of a [B, T] dump, contiguous positions of an [N] dump; with --partial.", transform: ShardArgument.init)
  var shard: ShardArgument?

  @Option(help: "With --shard: where to write the shard's partial for `deltah merge`.")
  var partial: String?

  func validate() throws {
    if (shard == nil) != (partial == nil) { throw ValidationError("--shard and --partial go together") }
  }

  /// A shard writes only its partial: the outputs of the whole result (`whole`) belong to `merge`.
  func refuse(json: Bool, perToken: String?, whole: String) throws {
    if shard != nil, json || perToken != nil {
      throw ValidationError("--shard writes only the partial; give --json and --per-token to 'deltah merge', which prints the \(whole)")
    }
  }
}

/// `--shard i/n`: 0 ≤ i < n, both decimal integers that fit in `Int`; otherwise a ``CheckedArgument/DomainError`` saying so.
struct ShardArgument {
  let index: Int
  let count: Int
  init(_ argument: String) throws {
    let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { throw CheckedArgument.DomainError(description: "must be i/n, shard i of n shards, with integers 0 ≤ i < n") }
    index = i
    count = n
  }

  /// The flat positions of this shard of a dump with `positionShape`.
  ///
  /// - Throws: ``ValidationError`` (exit 64) when there are more shards than sequences ([B, T]) or positions ([N]).
  func range(positionShape: [Int], file: String) throws -> Range<Int> {
    let units = positionShape[0]
    guard count <= units else {
      throw ValidationError("--shard \(index)/\(count): \(file) has only \(units) \(positionShape.count == 2 ? "sequences" : "positions"), so at most \(units) shards")
    }
    return PositionTable.shardRange(index: index, of: count, positionShape: positionShape)
  }
}
