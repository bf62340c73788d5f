extension AuditMethod {
    /// The estimator that implements this method for `audit`, its settings checked:
    /// the one place an audit method is mapped to its code.
    func estimator(for audit: UnfairnessAudit) throws -> any AuditEstimator {
        switch self {
        case .sample(let samples):
            guard samples > 0 else { throw CausalFairError.invalidArgument("n_samples must be > 0, got \(samples)") }
            return SamplingEstimator(samples: samples)
        case .attack(let steps, let restarts, let stepSize):
            guard steps >= 0, restarts > 0, stepSize >= 0, stepSize.isFinite else {
                throw CausalFairError.invalidArgument("attack needs steps >= 0, restarts > 0 and a step size >= 0")
            }
            return AttackEstimator(steps: steps, restarts: restarts, stepSize: stepSize)
        case .exact:
            guard audit.model.widths.count == 2, let jacobian = try audit.space.constantJacobian() else {
                throw CausalFairError.invalidArgument(
                    "the exact method needs a linear model (logistic regression) and a linear SCM")
            }
            return ExactEstimator(jacobian: jacobian)
        }
    }
}
