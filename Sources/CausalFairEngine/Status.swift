import CausalFairCore

/// Status codes of the C ABI (see `causalfair.h`).
enum Status: Int32 {
    case ok = 0
    case valueError = 1
    case typeError = 2
    case memoryError = 3
    case runtimeError = 4
    case keyError = 5
    case interrupted = 6

    init(_ error: CausalFairError) {
        switch error {
        case .invalidArgument: self = .valueError
        case .invalidType: self = .typeError
        case .tooLarge: self = .memoryError
        case .computation: self = .runtimeError
        case .unknownNode: self = .keyError
        case .interrupted: self = .interrupted
        }
    }
}

/// Copies `message` into the caller's buffer, truncated to fit, NUL-terminated.
func writeMessage(_ message: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int64) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(message.utf8.prefix(Int(capacity) - 1))
    for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
    buffer[bytes.count] = 0
}

/// Runs `body`, mapping a thrown error to its status and message.
func guarded(_ err: UnsafeMutablePointer<CChar>?, _ errLength: Int64, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok.rawValue
    } catch let error as CausalFairError {
        writeMessage(error.message, to: err, capacity: errLength)
        return Status(error).rawValue
    } catch {
        writeMessage("unexpected error: \(error)", to: err, capacity: errLength)
        return Status.runtimeError.rawValue
    }
}
