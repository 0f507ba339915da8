import Foundation

/// A plain-text table whose last column is cut to fit the terminal.
struct Table {
    let header: [String]
    let rows: [[String]]

    func render(width: Int) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count - 1 {
                widths[index] = max(widths[index], cell.count)
            }
        }
        let fixed = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        let lastWidth = max(10, width - fixed)
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                if index == cells.count - 1 {
                    text += cell.count > lastWidth ? String(cell.prefix(lastWidth - 1)) + "…" : cell
                } else {
                    text += cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
                }
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
