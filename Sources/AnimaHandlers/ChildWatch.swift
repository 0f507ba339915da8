#if canImport(Glibc)
import Glibc
#endif

/// A running child as the ``ProcessMonitor``'s thread sees it: the input still to write, the
/// output read so far, and how it ended. Only that thread touches it after it is made.
/// It is finished once the process has exited and its output pipe has reached end of file
/// (a background grandchild holding the pipe keeps it open, as a shell's `$(…)` would wait).
final class ChildWatch {
    let child: ChildProcess
    private let finish: (Result<ChildOutcome, SpawnError>) -> Void
    private var input: Int32
    private var pending: [UInt8]
    private var written = 0
    private var output: Int32
    private var kept: [UInt8] = []
    private var dropped = 0
    private let limit: Int
    private var termination: ChildOutcome.Termination?

    init(
        child: ChildProcess, input: [UInt8], outputLimit: Int,
        finish: @escaping (Result<ChildOutcome, SpawnError>) -> Void
    ) {
        self.child = child
        self.finish = finish
        self.input = child.input
        self.pending = input
        self.output = child.output
        self.limit = outputLimit
    }

    var isFinished: Bool { termination != nil && output < 0 }

    /// The descriptors to wait on, and for what.
    func interests(into fds: inout [pollfd]) {
        if input >= 0 { fds.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
        if output >= 0 { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
        if termination == nil { fds.append(pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0)) }
    }

    func ready(_ fd: pollfd, scratch: inout [UInt8]) {
        if fd.fd == input { writeInput() }
        if fd.fd == output { readOutput(into: &scratch) }
        if fd.fd == child.pidfd { reap() }
    }

    /// Writes what the pipe takes now. A command that exits without reading its input makes the
    /// write fail (EPIPE): that is not an error of ours.
    func writeInput() {
        while input >= 0 && written < pending.count {
            let count = pending.withUnsafeBytes { write(input, $0.baseAddress! + written, $0.count - written) }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return
            } else {
                break
            }
        }
        closeInput()
    }

    private func readOutput(into scratch: inout [UInt8]) {
        while output >= 0 {
            let count = scratch.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
            if count > 0 {
                let room = max(0, limit - kept.count)
                kept.append(contentsOf: scratch[0..<min(room, count)])
                dropped += max(0, count - room)
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return
            } else {
                close(output)
                output = -1
            }
        }
    }

    private func reap() {
        var status: Int32 = 0
        let result = waitpid(child.pid, &status, WNOHANG)
        if result == 0 { return }  // not yet: the pidfd stays readable until it has exited
        if result < 0 {
            termination = .unknown(errno)
        } else if status & 0x7f == 0 {
            termination = .exited((status >> 8) & 0xff)
        } else {
            termination = .signaled(status & 0x7f)
        }
        close(child.pidfd)
        closeInput()
    }

    private func closeInput() {
        guard input >= 0 else { return }
        close(input)
        input = -1
        pending = []
    }

    /// Hands the outcome to the waiting task. Call once, when ``isFinished``.
    func complete() {
        finish(.success(ChildOutcome(termination: termination ?? .unknown(0), output: kept, dropped: dropped)))
    }
}
