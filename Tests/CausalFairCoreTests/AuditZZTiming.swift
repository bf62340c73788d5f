import Testing
@testable import CausalFairCore

@Test func auditZZTiming() throws {
    let (_, space) = try AuditLIN.fitted()
    let x = AuditLIN.sample(rows: 2_000, seed: 8)
    let model = try auditLogistic([1, 1, 1], 0)
    let clock = ContinuousClock()
    for (name, method) in [("sample50", AuditMethod.sample(samples: 50)), ("attack10x2", auditAttack), ("exact", .exact)] {
        let t0 = clock.now
        _ = try auditRun(model, space, threshold: 0, x, radius: 0.05, method: method)
        print("AUDITNUM time", name, clock.now - t0)
    }
    var z = try space.phi(x.gatherRows((0..<200_000).map { $0 % 2000 }))
    let levels = (0..<200_000).map { $0 % 2 }
    var t0 = clock.now
    _ = try space.decode(z, levels: levels)
    print("AUDITNUM time decode200k", clock.now - t0)
    t0 = clock.now
    _ = space.scm!.sensitiveInterventions(levels: levels)
    print("AUDITNUM time interventions200k", clock.now - t0)
    t0 = clock.now
    var g = Xoshiro256StarStar(seed: 1)
    space.perturbUniformly(&z, radius: 0.1, generator: &g)
    print("AUDITNUM time perturb200k", clock.now - t0)
    t0 = clock.now
    _ = model(z)
    print("AUDITNUM time model200k", clock.now - t0)
}
