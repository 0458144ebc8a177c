/// Objective vectors in one row-major buffer. The sorts and the crowding distance make many
/// passes over them; nested arrays would cost a pointer chase, a bounds check and a retain
/// per row on each pass.
struct ObjectiveMatrix {
    let rowCount: Int
    let width: Int
    let values: [Double]

    init(_ rows: [[Double]]) {
        rowCount = rows.count
        width = rows.first?.count ?? 0
        var values = [Double]()
        values.reserveCapacity(rowCount * width)
        for row in rows {
            precondition(row.count == width, "objective vectors differ in length")
            values.append(contentsOf: row)
        }
        self.values = values
    }

    init(_ population: [Individual]) {
        rowCount = population.count
        width = population.first?.objectives.count ?? 0
        var values = [Double]()
        values.reserveCapacity(rowCount * width)
        for individual in population {
            precondition(individual.objectives.count == width, "objective vectors differ in length")
            values.append(contentsOf: individual.objectives)
        }
        self.values = values
    }

    subscript(row: Int, column: Int) -> Double {
        values[row * width + column]
    }

    var allRows: [Int] { Array(0..<rowCount) }
}
