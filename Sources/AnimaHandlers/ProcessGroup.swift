import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The process group of one running command, killed at most once, and known to the
/// ``OrphanReaper`` while it runs.
final class ProcessGroup: Sendable {
    private let state = NIOLockedValueBox<(pid: pid_t?, killed: Bool)>((nil, false))

    func started(pid: pid_t) {
        OrphanReaper.shared?.register(processGroup: pid)
        let killNow = state.withLockedValue { state -> Bool in
            state.pid = pid
            return state.killed
        }
        if killNow { Glibc.kill(-pid, SIGKILL) }
    }

    /// The command has exited: its group id may be reused from now on.
    func finished() {
        if let pid = state.withLockedValue({ $0.pid }) { OrphanReaper.shared?.unregister(processGroup: pid) }
    }

    func kill() {
        let pid = state.withLockedValue { state -> pid_t? in
            state.killed = true
            return state.pid
        }
        if let pid { Glibc.kill(-pid, SIGKILL) }
    }
}
