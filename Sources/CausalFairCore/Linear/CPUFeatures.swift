#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// CPU features as Linux reports them: the `flags` line of /proc/cpuinfo (x86), which
/// lists a feature only when the CPU has it and the kernel has enabled it (for AVX and
/// AVX-512: when the OS saves their registers). Read once, when the tanh variant is
/// chosen; any doubt (no /proc, a read error, no `flags` line) gives nil, and the
/// caller falls back to the baseline.
enum CPUFeatures {
    static func linuxFlags() -> Set<String>? {
        #if os(Linux) && (canImport(Glibc) || canImport(Musl))
        let descriptor = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        // The first processor's block holds the line; stop as soon as it is complete.
        while text.count < 4 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return flags(in: text, atEndOfFile: true) }
            text.append(contentsOf: chunk[0..<count])
            if let flags = flags(in: text, atEndOfFile: false) { return flags }
        }
        return nil
        #else
        return nil
        #endif
    }

    /// The words of the first complete line whose key is `flags` ("flags\t\t: fpu vme ...").
    static func flags(in text: [UInt8], atEndOfFile: Bool) -> Set<String>? {
        let newline = UInt8(ascii: "\n")
        var lineStart = 0
        while lineStart < text.count {
            guard let lineEnd = text[lineStart...].firstIndex(of: newline) ?? (atEndOfFile ? text.count : nil) else {
                return nil   // the line is not complete yet
            }
            let line = text[lineStart..<lineEnd]
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                let key = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
                if key.split(whereSeparator: { $0 == " " || $0 == "\t" }) == ["flags"] {
                    let words = String(decoding: line[(colon + 1)...], as: UTF8.self)
                        .split(whereSeparator: { $0 == " " || $0 == "\t" })
                    return Set(words.map(String.init))
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
