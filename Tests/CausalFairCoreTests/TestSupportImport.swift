// Makes the shared helpers of `CausalFairTestSupport` visible in every file of this test
// target, as if each imported it.
@_exported import CausalFairTestSupport
