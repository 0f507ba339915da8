/// A setting's value as its option help and the README write it: whole seconds without a
/// fraction (`10`), others with one (`0.5`). Help texts build their defaults with it from the
/// configuration structs, the one place each default is set.
public enum SettingText {
    public static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return String(seconds) }
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
