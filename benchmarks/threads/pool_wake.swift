// The cost of one `DispatchQueue.concurrentPerform` over 2 threads — what the engine's
// `ParallelPieces.map` does per training step — with pure-compute pieces of a given
// size (no memory traffic): per-step wall time on one thread and on two, and the CPU
// time of the whole program. Build and run (benchmarks/README.md, "The engine's threads"):
//   swiftc -O benchmarks/threads/pool_wake.swift -o /tmp/pool_wake
//   for n in 5000 20000 60000; do /tmp/pool_wake $n; done
import Dispatch
import Foundation

@inline(never) func work(_ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { s += sin(Double(i) * 1e-3) }
    return s
}

let n = Int(CommandLine.arguments.dropFirst().first ?? "20000") ?? 20000
let steps = 500
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
var total = 0.0
var start = now()
for _ in 0..<steps { total += work(n) + work(n) }
let serial = (now() - start) / Double(steps)
let results = UnsafeMutablePointer<Double>.allocate(capacity: 2)
start = now()
for _ in 0..<steps {
    DispatchQueue.concurrentPerform(iterations: 2) { i in results[i] = work(n) }
    total += results[0] + results[1]
}
let parallel = (now() - start) / Double(steps)
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
print(String(format: "pieces of %d: step %.3f ms on 1 thread, %.3f ms on 2 (%.2fx); program CPU %.3f s, wall of both loops %.3f s%@",
             n, serial * 1e3, parallel * 1e3, serial / parallel, cpu, (serial + parallel) * Double(steps),
             total.isFinite ? "" : " (non-finite)"))
