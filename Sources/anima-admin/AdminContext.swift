import AnimaCLI
import AnimaQueue
import AnimaRedis
import ArgumentParser
import Foundation

/// The Redis client and keys an admin command works on, built from the shared options.
struct AdminContext {
    let keys: QueueKeys
    let client: RedisClient

    init(_ options: RedisOptions) throws {
        let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
        var (configuration, prefix) = try options.resolve(settings)
        configuration.commandTimeout = .seconds(10)
        keys = QueueKeys(prefix: prefix)
        client = RedisClient(configuration: configuration)
    }

    var deadLetters: DeadLetterStore { DeadLetterStore(keys: keys, client: client) }

    /// Runs `body`, then closes the client whatever happened.
    func run<T>(_ body: (AdminContext) async throws -> T) async throws -> T {
        do {
            let value = try await body(self)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

/// A failure that ends the command with one line on stderr and exit status 1.
struct AdminFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The terminal's width (COLUMNS, else 120).
var terminalWidth: Int {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 20 { return columns }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
    return 120
}

func printJSON(_ object: Any) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
        print(String(decoding: data, as: UTF8.self))
    }
}
