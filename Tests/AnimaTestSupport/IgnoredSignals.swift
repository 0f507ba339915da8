import Foundation

/// The signals process `pid` ignores (`SigIgn` of `/proc/PID/status`), nil when it cannot be read.
public func ignoredSignals(of pid: Int32) -> Set<Int32>? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
        let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    else { return nil }
    return Set((1...64).filter { mask & (1 << UInt64($0 - 1)) != 0 }.map { Int32($0) })
}
