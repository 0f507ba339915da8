extension RedisConnection {
    /// The one NOSCRIPT fallback of the package. Sends `commands` in one round trip, with a
    /// `SCRIPT LOAD` in front for each script called that this connection has not loaded since
    /// it connected (a new connection may lead to a restarted server or a new master). A call
    /// that still answers `NOSCRIPT` (the scripts were flushed under a live connection) runs
    /// once more as `EVAL`, after the commands that followed it in `commands`.
    func roundTripLoadingScripts(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        var loads: [RedisScript] = []
        var checked: [String] = []  // the shas looked up in this call: most batches call one or two scripts
        for command in commands {
            guard let (script, _, _) = command.scriptCall, !checked.contains(script.sha1) else { continue }
            checked.append(script.sha1)
            if !loadedScripts.contains(script.sha1) { loads.append(script) }
        }
        var replies = try roundTrip(loads.map(\.load) + commands)
        for (script, reply) in zip(loads, replies) {
            if case .error = reply { continue }
            loadedScripts.insert(script.sha1)
        }
        replies.removeFirst(loads.count)
        for index in replies.indices where RedisScript.isNoScript(replies[index]) {
            guard let eval = RedisScript.eval(commands[index]) else { continue }
            loadedScripts = []
            replies[index] = try pipeline([eval])[0]
        }
        return replies
    }
}
