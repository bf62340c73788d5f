/// The random streams an abduction that samples its noise draws from: one stream per
/// (node, row, draw), so a draw never depends on how rows are split into batches or
/// threads, nor on which other nodes or draws are computed.
///
/// Deterministic mechanisms (linear, MLP, expression) ignore them. A sampling
/// mechanism (DESIGN §4, discrete nodes) takes row r's draw from `generator(row: r)`.
struct PosteriorStreams: Sendable, Equatable {
    /// Seed of the whole abduction.
    var seed: UInt64
    /// Which posterior draw this is, in 0..<drawCount.
    var draw: Int
    /// Number of posterior draws per row.
    var drawCount: Int
    /// Index, in the whole data, of the batch's first row.
    var firstRow: Int
    /// The node being abducted.
    var node: Int
    /// Where each row of the batch sits in the whole data, when not consecutively from
    /// `firstRow` (nil): row i then takes the streams of row `rowLabels[i]`. Only with one
    /// draw per row (`inline` keeps no labels).
    var rowLabels: [Int]?

    /// Streams of draw `draw` of `drawCount` for the batch starting at row `firstRow`.
    init(seed: UInt64, draw: Int = 0, drawCount: Int = 1, firstRow: Int = 0, node: Int = 0) {
        self.seed = seed
        self.draw = draw
        self.drawCount = drawCount
        self.firstRow = firstRow
        self.node = node
    }

    /// The streams of a batch whose row i is row `rowLabels[i]` of the whole data (one
    /// draw per row): row i draws exactly what an abduction of the whole data draws for
    /// that row, whichever rows are gathered, in whatever order, repeats included.
    static func rows(seed: UInt64, labels: [Int]) -> PosteriorStreams {
        var streams = PosteriorStreams(seed: seed)
        streams.rowLabels = labels
        return streams
    }

    /// The streams of a batch whose row i is the (row, draw) pair `firstPair + i` of a
    /// table with R draws per row (pair p = row · R + draw, each row repeated R times):
    /// row i draws exactly what `abduct(_:drawCount:seed:firstRow:)` draws for that row
    /// and draw, since both label its stream row · R + draw (wrapping arithmetic).
    static func pairs(seed: UInt64, firstPair: Int) -> PosteriorStreams {
        PosteriorStreams(seed: seed, firstRow: firstPair)
    }

    /// The same streams for node `node`.
    func forNode(_ node: Int) -> PosteriorStreams {
        var streams = self
        streams.node = node
        return streams
    }

    /// The streams of a batch holding every row `drawCount` times, row r * drawCount + d
    /// for draw d of row r (this value's `draw` must be 0 and its `drawCount` the
    /// draws'). Batch row i = r·R + d takes stream firstRow·R + i = (firstRow + r)·R + d
    /// (mod 2⁶⁴, as `generator(row:)` wraps): the stream of draw d of row firstRow + r,
    /// so the batch draws what R separate batches, one per draw, would: the pair streams
    /// (`pairs`) from pair firstRow·R.
    func inline(drawCount: Int) -> PosteriorStreams {
        Self.pairs(seed: seed, firstPair: firstRow &* drawCount).forNode(node)
    }

    /// The generator of row `row` of the batch (the data's row `firstRow + row`) for
    /// this node and draw.
    func generator(row: Int) -> Xoshiro256StarStar {
        var nodeGenerator = Xoshiro256StarStar(seed: seed, stream: UInt64(truncatingIfNeeded: node))
        let position = rowLabels.map { $0[row] } ?? firstRow &+ row
        let stream = UInt64(truncatingIfNeeded: position) &* UInt64(truncatingIfNeeded: drawCount)
            &+ UInt64(truncatingIfNeeded: draw)
        return Xoshiro256StarStar(seed: nodeGenerator.next(), stream: stream)
    }
}
