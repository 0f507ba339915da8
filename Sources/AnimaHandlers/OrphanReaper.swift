import CSpawn
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Kills the process groups of running commands if this process dies.
///
/// A command runs in a process group of its own, so a SIGKILL of the worker would leave it
/// running beside the recovered copy of its event on another worker. The reaper is one small
/// `awk` process per worker process, in its own process group, reading "+PGID" / "-PGID"
/// lines from a pipe whose only writer is this process: when this process dies for any reason,
/// the kernel closes the pipe, `awk` reaches end of input and kills every group still listed.
/// One process per worker, two short writes per command: cheaper than a watchdog per command.
final class OrphanReaper: Sendable {
    /// The process-wide reaper, started with the first command; nil when it could not start
    /// (no `awk`), in which case commands run unprotected and a warning says so once.
    static let shared: OrphanReaper? = OrphanReaper()

    private let writeEnd: NIOLockedValueBox<Int32>

    static let script = """
        /^\\+/ { live[substr($0, 2)] = 1; next }
        /^-/ { delete live[substr($0, 2)]; next }
        END { for (g in live) system("kill -9 -" g " 2>/dev/null") }
        """

    private init?() {
        let candidates: [String] = ["/usr/bin/awk", "/bin/awk"]
        guard let awk = candidates.first(where: { access($0, X_OK) == 0 }) else { return nil }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        // Close-on-exec on both ends: no command may inherit the write end, or the pipe
        // would outlive this process.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)  // dup2 clears close-on-exec
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group: a Ctrl-C in a terminal must not take the reaper down with the worker's group.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let texts: [String] = [awk, Self.script]
        let arguments: [UnsafeMutablePointer<CChar>?] = texts.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, awk, &actions, &attributes, arguments, environ)
        close(fds[0])
        guard status == 0 else {
            close(fds[1])
            return nil
        }
        writeEnd = NIOLockedValueBox(fds[1])
    }

    func register(processGroup: pid_t) { send("+\(processGroup)\n") }
    func unregister(processGroup: pid_t) { send("-\(processGroup)\n") }

    private func send(_ line: String) {
        writeEnd.withLockedValue { fd in
            guard fd >= 0 else { return }
            var line = line
            let written = line.withUTF8 { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {  // the reaper is gone: run on without it
                close(fd)
                fd = -1
            }
        }
    }
}
