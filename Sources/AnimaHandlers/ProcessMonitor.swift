import CSpawn
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Runs commands' processes from start to end on one thread of its own: spawns them, writes
/// their stdin, reads their output and reaps them, waiting in `poll` on their pipes and pidfds.
/// A waiting task holds only a continuation; no Swift thread blocks and no thread is made per
/// command, so a thousand short commands a second cost little beyond the processes themselves.
final class ProcessMonitor: Sendable {
    private static let instance = NIOLockedValueBox<ProcessMonitor?>(nil)

    /// The process-wide monitor, started by the first command. If it cannot start (no
    /// descriptor left for its wake-up pipe), this throws, and the next call tries again.
    static func shared() throws(SpawnError) -> ProcessMonitor {
        let result = instance.withLockedValue { instance -> Result<ProcessMonitor, SpawnError> in
            if let instance { return .success(instance) }
            return Result { () throws(SpawnError) in try ProcessMonitor() }.map { made in
                instance = made
                return made
            }
        }
        return try result.get()
    }

    private typealias Waiter = CheckedContinuation<Void, Never>
    private typealias Outcome = NIOLockedValueBox<Result<ChildOutcome, SpawnError>?>
    private struct Queue {
        var requests: [(SpawnRequest, Outcome, Waiter)] = []
        /// A wake-up byte is in the pipe and not yet read.
        var signalled = false
    }

    private let queue = NIOLockedValueBox(Queue())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() throws(SpawnError) {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw SpawnError(call: "pipe2 for the process monitor", code: errno)
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        signal(SIGPIPE, SIG_IGN)  // a command that exits without reading its stdin must not kill us
        let thread = Thread { [self] in loop() }
        thread.name = "anima-commands"
        thread.start()
    }

    /// Starts the process and waits, without blocking a thread, until it has exited and
    /// closed its output.
    func run(_ request: SpawnRequest) async throws(SpawnError) -> ChildOutcome {
        // The outcome crosses threads through a lock, not through the continuation alone:
        // ThreadSanitizer cannot see the ordering a continuation gives (docs/reliability.md).
        let outcome = Outcome(nil)
        await withCheckedContinuation { (waiter: Waiter) in
            let wake = queue.withLockedValue { queue -> Bool in
                queue.requests.append((request, outcome, waiter))
                defer { queue.signalled = true }
                return !queue.signalled
            }
            if wake {
                var byte: UInt8 = 1
                _ = write(wakeWrite, &byte, 1)
            }
        }
        return try outcome.withLockedValue { $0! }.get()
    }

    private func loop() -> Never {
        var watches: [ChildWatch] = []
        var fds: [pollfd] = []
        var owners: [Int] = []
        var scratch = [UInt8](repeating: 0, count: 65536)
        while true {
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            owners.append(-1)
            for (index, watch) in watches.enumerated() {
                let before = fds.count
                watch.interests(into: &fds)
                owners.append(contentsOf: repeatElement(index, count: fds.count - before))
            }
            guard poll(&fds, nfds_t(fds.count), -1) > 0 else { continue }  // EINTR
            for (fd, owner) in zip(fds, owners) where owner >= 0 && fd.revents != 0 {
                watches[owner].ready(fd, scratch: &scratch)
            }
            if fds[0].revents != 0 { start(into: &watches) }
            watches.removeAll { watch in
                guard watch.isFinished else { return false }
                watch.complete()
                return true
            }
        }
    }

    /// Spawns what was asked since the last wake-up.
    private func start(into watches: inout [ChildWatch]) {
        var drain = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &drain, drain.count) > 0 {}
        let requests = queue.withLockedValue { queue in
            defer {
                queue.requests = []
                queue.signalled = false
            }
            return queue.requests
        }
        for (request, outcome, waiter) in requests {
            let finish = { (result: Result<ChildOutcome, SpawnError>) in
                outcome.withLockedValue { $0 = result }
                waiter.resume()
            }
            do {
                let child = try ChildProcess.spawn(request)
                request.started(child.pid)
                let watch = ChildWatch(child: child, input: request.input, outputLimit: request.outputLimit, finish: finish)
                watch.writeInput()
                watches.append(watch)
            } catch {
                finish(.failure(error))
            }
        }
    }
}
