// DeltaH — entropy change of softmax policies.

import Reports
import ArgumentParser
import EntropyDynamics
import SoftmaxEntropy

struct StepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "step",
    abstract: "Entropy change of one logit step: exact, first-order and second-order.",
    discussion: """
      Exactly one kind of step:
        --delta d1,…                       an arbitrary raw-logit step Δz
        --rewards r1,… --rule pg|npg --lr η  exact PG (Δz = η·π⊙(r − πᵀr)) or NPG (Δz = η·(r − πᵀr))
        --token k --advantage A --lr η       one sampled token (Δz = η·A·(e_k − π)), with the polarity split
      First order: −Cov_π(log π, Δz/T); second order adds ½ (Δz/T)ᵀ ∇²H (Δz/T).
      """)

  @Option(parsing: .unconditional, help: "Logits z, comma-separated.", transform: CheckedArgument.finiteList)
  var logits: [Double]

  @Option(parsing: .unconditional, help: "Temperature T > 0; the policy is softmax(z/T) (default: 1).", transform: CheckedArgument.temperature)
  var temperature: Double = 1

  @Option(parsing: .unconditional, help: "An arbitrary raw-logit step Δz, comma-separated.", transform: CheckedArgument.finiteList)
  var delta: [Double]?

  @Option(parsing: .unconditional, help: "Rewards r, comma-separated (with --rule and --lr).", transform: CheckedArgument.finiteList)
  var rewards: [Double]?

  @Option(help: "Update rule for --rewards: pg or npg.")
  var rule: PolicyGradientRule?

  @Option(help: "The sampled token k (0-based), with --advantage and --lr.", transform: CheckedArgument.integer(in: 0...Int.max))
  var token: Int?

  @Option(parsing: .unconditional, help: "The sampled token's advantage A.", transform: CheckedArgument.finite)
  var advantage: Double?

  @Option(parsing: .unconditional, help: "Learning rate η.", transform: CheckedArgument.finite)
  var lr: Double?

  @OptionGroup var trust: TrustToleranceOption

  @OptionGroup var output: OutputOptions

  func validate() throws {
    let modes = [delta != nil, rewards != nil, token != nil].filter { $0 }.count
    guard modes == 1 else {
      throw ValidationError("give exactly one of --delta, --rewards (with --rule, --lr) or --token (with --advantage, --lr)")
    }
    if rewards != nil, rule == nil || lr == nil {
      throw ValidationError("--rewards needs --rule pg|npg and --lr")
    }
    if token != nil, advantage == nil || lr == nil {
      throw ValidationError("--token needs --advantage and --lr")
    }
    if delta != nil, rule != nil || lr != nil || advantage != nil {
      throw ValidationError("--delta is the whole step; drop --rule, --lr and --advantage")
    }
    if rewards == nil, rule != nil { throw ValidationError("--rule goes with --rewards (the --token step is one sampled token)") }
    if token == nil, advantage != nil { throw ValidationError("--advantage goes with --token") }
  }

  func run() throws {
    let step: StepReport.Step =
      if let delta { .logitStep(delta) } else if let rewards, let rule, let lr {
        .policyGradient(rule, rewards: rewards, learningRate: lr)
      } else { .sampledToken(token!, advantage: advantage!, learningRate: lr!) }
    let policy = try SoftmaxPolicy(logits: logits, temperature: temperature)
    let report = try StepReport(policy: policy, step: step, trustTolerance: trust.value)
    try output.print(report, kind: .step) { report.terminalTable() }
  }
}

extension PolicyGradientRule: ExpressibleByArgument {}
