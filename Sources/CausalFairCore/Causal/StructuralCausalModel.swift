/// A structural causal model over encoded columns: nodes in a DAG, each with a
/// `Mechanism` V_i = f_i(Pa(i), U_i) — additive noise f_i(Pa(i)) + U_i, or an exact
/// post-nonlinear expression — and V_i = U_i for roots.
///
/// Data matrices hold one row per individual and the nodes' encoded columns in node
/// order (continuous and binary nodes one column, categorical nodes one-hot). The
/// model is a value: fitting returns a fitted copy's state in place.
public struct StructuralCausalModel: Sendable {
    /// The nodes, in column order.
    public let nodes: [NodeSpecification]
    /// The DAG and its topological order.
    public let graph: CausalGraph
    /// First encoded column of every node.
    public let columnOffsets: [Int]
    /// Total number of encoded columns.
    public let columnCount: Int
    /// Encoded columns of every node.
    public let nodeColumns: [[Int]]
    /// Encoded columns of every node's parents, parents in listed order.
    public let parentColumns: [[Int]]
    /// Sensitive nodes, in node order.
    public let sensitiveNodes: [Int]
    /// Mask of perturbable columns: neither sensitive nor immutable, nor the code of a
    /// discrete node in Gumbel-max mode (`NodeSpecification.holdsHardCodes`: the drawn
    /// noise of a Gumbel-max node, or a discrete root's level).
    public let perturbable: [Bool]

    /// Fitted mechanisms (nil for roots, and for every node before fitting).
    var mechanisms: [(any Mechanism)?]
    /// The latent noise of the fitting data (rows x columns): the empirical noise
    /// distribution that sampling draws from.
    public internal(set) var latentSample: Matrix
    /// Standard deviation of every latent column over the fitting data.
    public internal(set) var noiseScales: [Double]
    /// Whether `fit` (or `importState`) has run.
    public internal(set) var isFitted = false
    /// Number of twin levels: the product of the sensitive nodes' level counts
    /// (1 without sensitive nodes).
    public let twinLevelCount: Int
    /// Number of parameters of all mechanisms, in node order.
    public let parameterCount: Int

    /// Limits on a model's size, so that no specification can exhaust memory.
    public static let maximumColumns = 1_000_000
    /// At most this many twin levels (combinations of the sensitive nodes' levels).
    public static let maximumTwinLevels = 1_000_000
    /// At most this many mechanism parameters (800 MB of doubles).
    public static let maximumParameters = 100_000_000
    /// The widest hidden layer of an MLP mechanism.
    public static let maximumMechanismHiddenWidth = 100_000
    /// The most epochs an MLP mechanism is fitted for.
    public static let maximumMechanismEpochs = 1_000_000

    /// A model from node specifications; checks the graph, kinds and settings.
    public init(nodes: [NodeSpecification]) throws {
        let graph = try CausalGraph(parents: nodes.map(\.parents))
        for (index, node) in nodes.enumerated() {
            try Self.validate(node, index: index)
        }
        self.nodes = nodes
        self.graph = graph
        var offsets: [Int] = []
        var total = 0
        for node in nodes {
            offsets.append(total)
            total += node.kind.width
        }
        guard total <= Self.maximumColumns else {
            throw CausalFairError.tooLarge("the model would have \(total) encoded columns; at most \(Self.maximumColumns)")
        }
        columnOffsets = offsets
        columnCount = total
        let columns = nodes.indices.map { Array(offsets[$0]..<(offsets[$0] + nodes[$0].kind.width)) }
        nodeColumns = columns
        parentColumns = nodes.map { $0.parents.flatMap { columns[$0] } }
        for (index, node) in nodes.enumerated() {
            try node.mechanism.validateInputs(count: parentColumns[index].count)
        }
        sensitiveNodes = nodes.indices.filter { nodes[$0].isSensitive }
        var mask = [Bool](repeating: true, count: total)
        for (index, node) in nodes.enumerated() where node.isSensitive || node.isImmutable || node.holdsHardCodes {
            for c in columns[index] { mask[c] = false }
        }
        perturbable = mask
        var levels = 1
        for node in sensitiveNodes {
            levels = try checkedProduct(levels, nodes[node].kind.levelCount ?? 1, what: "the twin levels")
        }
        guard levels <= Self.maximumTwinLevels else {
            throw CausalFairError.tooLarge(
                "the sensitive nodes have \(levels) level combinations (twins per row); at most \(Self.maximumTwinLevels)")
        }
        twinLevelCount = levels
        var parameters = 0
        for (index, node) in nodes.enumerated() {
            let count = try node.mechanism.parameterCount(inputs: parentColumns[index].count,
                                                          outputs: node.kind.width, gumbelMax: node.usesGumbelMax)
            parameters = try checkedProduct(parameters + count, 1, what: "the mechanism parameters")
        }
        guard parameters <= Self.maximumParameters else {
            throw CausalFairError.tooLarge("the mechanisms would have \(parameters) parameters; at most \(Self.maximumParameters)")
        }
        parameterCount = parameters
        mechanisms = [(any Mechanism)?](repeating: nil, count: nodes.count)
        latentSample = Matrix(rows: 0, cols: total)
        noiseScales = [Double](repeating: 0, count: total)
    }

    private static func validate(_ node: NodeSpecification, index: Int) throws {
        if case .categorical(let levels) = node.kind, levels < 2 {
            throw CausalFairError.invalidArgument("node \(index): a categorical node needs at least 2 levels, got \(levels)")
        }
        if node.isSensitive, node.kind == .continuous {
            throw CausalFairError.invalidArgument("node \(index): a sensitive node must be binary or categorical")
        }
        try node.mechanism.validate(kind: node.kind, hasParents: !node.parents.isEmpty, index: index)
        try validate(node.noise, kind: node.kind, index: index)
    }

    private static func validate(_ noise: NoiseDistribution, kind: NodeKind, index: Int) throws {
        let fine: Bool
        switch noise {
        case .empirical: fine = true
        case .normal(let loc, let scale): fine = loc.isFinite && scale.isFinite && scale >= 0
        case .gamma(let shape, let scale, let loc): fine = shape > 0 && scale > 0 && shape.isFinite && scale.isFinite && loc.isFinite
        case .bernoulli(let p): fine = p >= 0 && p <= 1
        }
        guard fine else { throw CausalFairError.invalidArgument("node \(index): invalid noise distribution \(noise)") }
        if noise != .empirical, kind.width != 1 {
            throw CausalFairError.invalidArgument("node \(index): a categorical node's noise can only be empirical")
        }
    }

    /// Number of perturbable columns.
    public var perturbableCount: Int { perturbable.filter { $0 }.count }

    /// Throws unless `data` has this model's columns, at least one row and finite values.
    public func checkData(_ data: Matrix, name: String = "data") throws {
        guard data.cols == columnCount else {
            throw CausalFairError.invalidArgument("\(name) has \(data.cols) columns, the model has \(columnCount)")
        }
        guard data.rows > 0 else { throw CausalFairError.invalidArgument("\(name) has no rows") }
        guard data.isFinite else { throw CausalFairError.invalidArgument("\(name) contains NaN or infinity") }
    }

    /// Throws unless the model is fitted.
    public func checkFitted() throws {
        guard isFitted else { throw CausalFairError.computation("the SCM is not fitted: call fit first") }
    }
}
