import Testing
@testable import CausalFairCore

/// Export and import of the fitted state.
@Suite("Fitted state")
struct StateTests {
    /// A fresh model from the same nodes, restored from `model`'s exported state.
    static func restored(_ model: StructuralCausalModel) throws -> StructuralCausalModel {
        var fresh = try StructuralCausalModel(nodes: model.nodes)
        #expect(!fresh.isFitted)
        try fresh.importState(parameters: model.exportedParameters(), latentSample: model.latentSample)
        return fresh
    }

    @Test("a linear model round-trips bit for bit through exportedParameters and importState")
    func linearRoundTrip() throws {
        let (model, data) = try LinearReference.fitted()
        let parameters = try model.exportedParameters()
        #expect(parameters.count == model.parameterCount)
        #expect(parameters.count == 2 + 4)
        // Layout: node order, each weights then bias.
        let x1 = try #require(linearMechanism(model, 2)), x2 = try #require(linearMechanism(model, 3))
        #expect(parameters == x1.weights.storage + x1.bias + x2.weights.storage + x2.bias)
        let copy = try Self.restored(model)
        #expect(copy.isFitted)
        #expect(sameMechanisms(copy.mechanisms, model.mechanisms))
        #expect(bitIdentical(copy.noiseScales, model.noiseScales))
        let subset = data.gatherRows(Array(0..<50))
        #expect(bitIdentical(try copy.abduct(subset), try model.abduct(subset)))
        #expect(bitIdentical(try copy.twins(subset), try model.twins(subset)))
        #expect(bitIdentical(
            try copy.perturbationBall(subset, radius: 0.3, samples: 3, factualOnly: false, seed: 5),
            try model.perturbationBall(subset, radius: 0.3, samples: 3, factualOnly: false, seed: 5)))
        #expect(bitIdentical(try copy.sample(count: 30, interventions: [], seed: 2),
                             try model.sample(count: 30, interventions: [], seed: 2)))
    }

    @Test("an MLP model with categorical nodes round-trips bit for bit")
    func mlpRoundTrip() throws {
        let (model, data) = try NonlinearReference.fitted()
        let copy = try Self.restored(model)
        #expect(try copy.exportedParameters() == model.exportedParameters())
        let subset = data.gatherRows(Array(0..<40))
        #expect(bitIdentical(try copy.abduct(subset), try model.abduct(subset)))
        #expect(bitIdentical(try copy.twins(subset), try model.twins(subset)))
        let z = try model.phi(subset)
        #expect(bitIdentical(try copy.phiInverseVJP(z, cotangent: subset), try model.phiInverseVJP(z, cotangent: subset)))
    }

    @Test("importState rejects a wrong parameter count, non-finite values and a wrong latent width")
    func importStateRejects() throws {
        let (model, _) = try LinearReference.fitted()
        let parameters = try model.exportedParameters()
        var fresh = try StructuralCausalModel(nodes: model.nodes)
        for bad in [Array(parameters.dropLast()), parameters + [0], []] {
            let error = thrownError { try fresh.importState(parameters: bad, latentSample: model.latentSample) }
            #expect(error?.kind == .invalidArgument, "\(bad.count) parameters")
        }
        var nan = parameters
        nan[0] = .nan
        #expect(thrownError { try fresh.importState(parameters: nan, latentSample: model.latentSample) }?.kind
                == .invalidArgument)
        #expect(thrownError {
            try fresh.importState(parameters: parameters, latentSample: model.latentSample.gatherColumns([0, 1]))
        }?.kind == .invalidArgument)
        #expect(!fresh.isFitted, "a failed import leaves the model unfitted")
        #expect(thrownError { try fresh.abduct(model.latentSample) }?.kind == .computation)
    }

    @Test("exportedParameters on an unfitted model throws computation")
    func exportUnfitted() throws {
        let model = try LinearReference.model()
        #expect(thrownError { try model.exportedParameters() }?.kind == .computation)
        #expect(model.parameterCount == 6)
    }
}
