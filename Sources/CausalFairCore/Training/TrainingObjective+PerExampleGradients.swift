extension TrainingObjective {
    /// The per-row default: `evaluate` on the one-row batch of each row in turn (its
    /// mean loss is that row's loss), randomness drawn from `generator` row after row.
    /// Cost: one objective evaluation per row, i.e. about `rows` times the BLAS calls
    /// of one batched evaluation, on 1-row matrices; objectives with a batched form
    /// (erm) override it.
    static func perExampleGradients(_ batch: TrainingBatch, in context: ObjectiveContext,
                                    generator: inout Xoshiro256StarStar) throws -> Matrix {
        try context.perRowGradients(batch) { row in try evaluate(row, in: context, generator: &generator).gradient }
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
