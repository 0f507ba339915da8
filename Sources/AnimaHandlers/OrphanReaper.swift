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
    /// The `awk` process.
    let pid: pid_t

    static let script = """
        /^\\+/ { live[substr($0, 2)] = 1; next }
        /^-/ { delete live[substr($0, 2)]; next }
        END { for (g in live) system("kill -9 -" g " 2>/dev/null") }
        """

    /// Starts a reaper (``shared`` is the worker's one).
    init?() {
        let candidates: [String] = ["/usr/bin/awk", "/bin/awk"]
        guard let awk = candidates.first(where: { access($0, X_OK) == 0 }) else { return nil }
        var fds: [Int32] = [0, 0]
        // Close-on-exec on both ends: no command may inherit the write end, or the pipe
        // would outlive this process.
        guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)  // dup2 clears close-on-exec
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Nothing else of this process's: `awk` outlives every connection this process closes,
        // and would keep any descriptor it inherited open (a Redis socket, another child's
        // exit pipe) until this process ends.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        let texts: [String] = [awk, Self.script]
        let arguments: [UnsafeMutablePointer<CChar>?] = texts.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        // Its own group (see SpawnAttributes): a Ctrl-C must not take the reaper down with the worker.
        let status = SpawnAttributes.with { posix_spawn(&pid, awk, &actions, &$0, arguments, environ) }
        close(fds[0])
        guard status == 0 else {
            close(fds[1])
            return nil
        }
        writeEnd = NIOLockedValueBox(fds[1])
        self.pid = pid
    }

    /// `awk` reads the end of its input and exits.
    deinit {
        writeEnd.withLockedValue { fd in
            if fd >= 0 { close(fd) }
        }
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
