/// The grids that may contain a point: a lattice over the city's box whose every cell lists, in
/// the jurisdiction's order, the grids whose bounding box meets it. Finding a call's grid looked
/// at every grid of the city (copying each), which grew with the city: a few hundred grids made
/// it 3.5 % of intake's CPU per call, and a call is located twice.
///
/// Exact, not approximate: a grid containing a point has the point in its bounding box, and the
/// cell of a coordinate is a monotonic function of it, so the grid is listed in the point's cell;
/// and the candidates keep the jurisdiction's order, so the first that contains the point is the
/// one a scan of every grid finds first.
struct GridLattice: Sendable {
    private let origin: Coordinate
    private let cellHeight: Double
    private let cellWidth: Double
    private let rows: Int
    private let columns: Int
    /// Grid indices per cell, row-major, ascending.
    private let cells: [[Int32]]

    /// A lattice over `area` with about two cells per grid along each side, for `boxes` (the
    /// grids' bounding boxes, in the jurisdiction's order).
    init(area: BoundingBox, boxes: [BoundingBox]) {
        let side = max(1, min(256, Int((Double(boxes.count).squareRoot() * 2).rounded(.up))))
        origin = Coordinate(lat: area.minLat, lon: area.minLon)
        let height = area.maxLat - area.minLat
        let width = area.maxLon - area.minLon
        rows = height > 0 ? side : 1
        columns = width > 0 ? side : 1
        cellHeight = height > 0 ? height / Double(side) : 1
        cellWidth = width > 0 ? width / Double(side) : 1
        var cells = [[Int32]](repeating: [], count: rows * columns)
        for (index, box) in boxes.enumerated() {
            let (firstRow, firstColumn) = (Self.step(box.minLat, origin.lat, cellHeight, rows), Self.step(box.minLon, origin.lon, cellWidth, columns))
            let (lastRow, lastColumn) = (Self.step(box.maxLat, origin.lat, cellHeight, rows), Self.step(box.maxLon, origin.lon, cellWidth, columns))
            guard firstRow <= lastRow, firstColumn <= lastColumn else { continue }
            for row in firstRow...lastRow {
                for column in firstColumn...lastColumn { cells[row * columns + column].append(Int32(index)) }
            }
        }
        self.cells = cells
    }

    /// The grids (indices, ascending) whose bounding box may contain `point`.
    func candidates(_ point: Coordinate) -> [Int32] {
        cells[Self.step(point.lat, origin.lat, cellHeight, rows) * columns + Self.step(point.lon, origin.lon, cellWidth, columns)]
    }

    /// The cell along one axis: monotonic in `value`, clamped to the lattice.
    private static func step(_ value: Double, _ start: Double, _ size: Double, _ count: Int) -> Int {
        let cell = ((value - start) / size).rounded(.down)
        guard cell >= 0 else { return 0 }  // also NaN
        return cell >= Double(count - 1) ? count - 1 : Int(cell)
    }
}
