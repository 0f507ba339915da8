import CSpawn

#if canImport(Glibc)
import Glibc
#endif

/// A started process: its pid, a pidfd that becomes readable when it exits, and our ends of its
/// stdin and output pipes (non-blocking, close-on-exec). Its stdout and stderr share one pipe.
struct ChildProcess {
    let pid: pid_t
    let pidfd: Int32
    let input: Int32
    let output: Int32

    /// Starts `request` with `posix_spawn` (glibc's `vfork`-style clone: cheap whatever the
    /// worker's size) with ``SpawnAttributes`` and no descriptor but 0, 1 and 2 inherited.
    static func spawn(_ request: SpawnRequest) throws(SpawnError) -> ChildProcess {
        var stdin: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard pipe2(&stdin, O_CLOEXEC) == 0 else { throw SpawnError(call: "pipe2", code: errno) }
        guard pipe2(&output, O_CLOEXEC) == 0 else {
            let code = errno
            closeAll(stdin)
            throw SpawnError(call: "pipe2", code: code)
        }
        let pid: pid_t
        do throws(SpawnError) {
            pid = try start(request, stdin: stdin[0], output: output[1])
        } catch {
            closeAll(stdin + output)
            throw error
        }
        close(stdin[0])
        close(output[1])
        let pidfd = pidfd_open(pid, 0)
        if pidfd < 0 {
            let code = errno
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            closeAll([stdin[1], output[0]])
            throw SpawnError(call: "pidfd_open", code: code)
        }
        _ = fcntl(stdin[1], F_SETFL, O_NONBLOCK)
        _ = fcntl(output[0], F_SETFL, O_NONBLOCK)
        return ChildProcess(pid: pid, pidfd: pidfd, input: stdin[1], output: output[0])
    }

    private static func start(_ request: SpawnRequest, stdin: Int32, output: Int32) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)  // dup2 clears close-on-exec
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        let arguments = request.arguments.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let size = request.environment.reduce(0) { $0 + $1.count }
        let block = UnsafeMutablePointer<CChar>.allocate(capacity: max(size, 1))
        defer { block.deallocate() }
        var environment: [UnsafeMutablePointer<CChar>?] = []
        environment.reserveCapacity(request.environment.count + 1)
        var offset = 0
        for row in request.environment where !row.isEmpty {
            row.withUnsafeBytes { UnsafeMutableRawPointer(block + offset).copyMemory(from: $0.baseAddress!, byteCount: row.count) }
            environment.append(block + offset)
            offset += row.count
        }
        environment.append(nil)
        var pid: pid_t = 0
        let status = SpawnAttributes.with { attributes in
            posix_spawn(&pid, arguments[0]!, &actions, &attributes, arguments, environment)
        }
        guard status == 0 else { throw SpawnError(call: "posix_spawn of \(request.arguments[0])", code: status) }
        return pid
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }
}
