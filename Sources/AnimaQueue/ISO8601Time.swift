public import Foundation

/// Strict, allocation-light parsing of ISO 8601 times such as `2026-12-01T10:00:00Z`: date, `T`,
/// time, optional fractional seconds (1 to 9 digits), then `Z` or an offset `±HH:MM`.
///
/// Foundation's ISO 8601 parsers accept more or less depending on the platform and are slow
/// enough to matter when filtering 100,000 dead letters by `failed_at`; this one is neither.
public enum ISO8601Time {
    /// The instant `text` names, or nil when it is not exactly that form or not a real time.
    public static func date(from text: String) -> Date? {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard let year = scanner.number(4), scanner.skip("-"), let month = scanner.number(2), scanner.skip("-"),
            let day = scanner.number(2), scanner.skip("T", "t"), let hour = scanner.number(2), scanner.skip(":"),
            let minute = scanner.number(2), scanner.skip(":"), let second = scanner.number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") {
            guard let digits = scanner.digits(upTo: 9) else { return nil }
            fraction = Double(digits.value) / pow(10, Double(digits.count))
        }
        var offset = 0
        if !scanner.skip("Z", "z") {
            let sign = scanner.skip("+") ? 1 : scanner.skip("-") ? -1 : 0
            guard sign != 0, let hours = scanner.number(2), scanner.skip(":"), let minutes = scanner.number(2),
                hours < 24, minutes < 60
            else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.atEnd else { return nil }
        let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// Reads ASCII digits and separators off the front of a byte array.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        /// Skips one byte if it is one of `characters`.
        mutating func skip(_ characters: Unicode.Scalar...) -> Bool {
            guard index < bytes.count, characters.contains(where: { UInt8($0.value) == bytes[index] }) else { return false }
            index += 1
            return true
        }

        /// Exactly `width` digits as a number.
        mutating func number(_ width: Int) -> Int? {
            guard let digits = digits(upTo: width), digits.count == width else { return nil }
            return digits.value
        }

        /// One to `limit` digits: their value and how many there were.
        mutating func digits(upTo limit: Int) -> (value: Int, count: Int)? {
            var value = 0
            var count = 0
            while count < limit, index < bytes.count, (48...57).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 48)
                index += 1
                count += 1
            }
            return count == 0 ? nil : (value, count)
        }
    }
}
