// DeltaH — entropy change of softmax policies.

extension StepSeriesCheck.Entry {
  /// The series entry of a summary read back from `analyze`/`merge --json`: the position shape and
  /// vocabulary size come from `tensors_read` (the first field read; for `logits`, `topk_logprobs`
  /// and `topk_ids` without their last axis; the vocabulary is the last axis of `logits`).
  /// A summary without `tensors_read` gives an empty shape and no vocabulary, so no shape checks.
  /// The temperature is the summary's T.
  ///
  /// - Complexity: O(fields).
  public init(summary: DumpSummary) {
    let read = summary.tensorsRead ?? []
    var shape: [Int] = []
    if let first = read.first {
      shape = ["logits", "topk_logprobs", "topk_ids"].contains(first.field) ? Array(first.shape.dropLast()) : first.shape
    }
    let vocabulary = read.first { $0.field == "logits" }?.shape.last
    self.init(path: summary.file, step: summary.step, positionShape: shape, vocabularySize: vocabulary, temperature: summary.temperature)
  }
}
