// Shows that ThreadSanitizer cannot see `Synchronization.Mutex` on Linux (the reason for
// scripts/tsan-suppressions.txt). Two threads append to an array under a Mutex; the final count
// is always exactly 20000 (the lock works), yet ThreadSanitizer reports data races:
//
//   swiftc -sanitize=thread -O scripts/tsan-tools/mutex-is-invisible.swift -o /tmp/mutex-tsan
//   TSAN_OPTIONS=halt_on_error=0 /tmp/mutex-tsan 2>&1 | grep -c 'WARNING: ThreadSanitizer'
//
// With `-D PTHREAD_LOCK` the same program guards the array with NSLock (pthread_mutex, which
// ThreadSanitizer intercepts) and gets no report.
import Foundation
import Synchronization

#if PTHREAD_LOCK
final class Guarded: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [Int] = []
    func withLock<T>(_ body: (inout [Int]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
let counter = Guarded()
#else
let counter = Mutex<[Int]>([])
#endif

let threads = (0..<2).map { offset in
    Thread {
        for i in 0..<10_000 { counter.withLock { $0.append(i + offset) } }
    }
}
threads.forEach { $0.start() }
while counter.withLock({ $0.count }) < 20_000 { usleep(1000) }
print("count", counter.withLock { $0.count })
