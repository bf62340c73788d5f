extension Objective {
    /// The conformance that implements this objective: the one place an objective
    /// identity is mapped to its code.
    var implementation: any TrainingObjective.Type {
        switch self {
        case .erm: EmpiricalRisk.self
        case .al: AdversarialLearning.self
        case .cal: SampledCausalAdversarialLearning.self
        case .llr: LocalLinearityRegularisation.self
        case .capify: Capify.self
        case .causalAT: CausalAdversarialTraining.self
        case .trades: CausalTrades.self
        case .ross: ActionableRecourseRegularisation.self
        case .sensei: SensitiveSubspaceInvariance.self
        }
    }
}
