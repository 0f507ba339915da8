import CSpawn

#if canImport(Glibc)
import Glibc
#endif

/// The `posix_spawn` attributes of every process the worker starts (commands and the orphan
/// reaper): a process group of its own, whose id is the child's pid, so a terminal's Ctrl-C
/// for the worker's group does not reach it and its whole group can be killed; the signal mask
/// empty and every signal at its default (the worker ignores SIGPIPE, which a child must not
/// inherit).
enum SpawnAttributes {
    static func with<T>(_ body: (inout posix_spawnattr_t) -> T) -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        return body(&attributes)
    }
}
