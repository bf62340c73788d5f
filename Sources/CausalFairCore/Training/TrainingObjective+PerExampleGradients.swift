extension TrainingObjective {
    /// The per-row default: every row's gradient formed (`ObjectiveContext.perRowGradients`,
    /// randomness drawn from `generator` row after row), then clipped and summed. Cost: one
    /// objective evaluation per row, i.e. about `rows` times the BLAS calls of one batched
    /// evaluation, on 1-row matrices, and rows · parameter count doubles.
    static func clippedGradientSum(_ batch: TrainingBatch, in context: ObjectiveContext, privacy: DifferentialPrivacy,
                                   generator: inout Xoshiro256StarStar) throws -> [Double] {
        privacy.clippedSum(try context.perRowGradients(batch) { row in
            try evaluate(row, in: context, generator: &generator).gradient
        })
    }
}

extension ObjectiveContext {
    /// The (rows x parameter count) matrix whose row r is `gradient` of the batch of
    /// row r alone; rows in order, so randomness is drawn row after row.
    func perRowGradients(_ batch: TrainingBatch,
                         _ gradient: (TrainingBatch) throws -> [Double]) rethrows -> Matrix {
        let count = model.parameters.count
        var result = Matrix(rows: batch.rows, cols: count)
        for r in 0..<batch.rows {
            let row = try gradient(batch.gathering([r]))
            result.storage.replaceSubrange((r * count)..<((r + 1) * count), with: row)
        }
        return result
    }
}
