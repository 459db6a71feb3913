/**
 * Wall-clock time in nanoseconds since the Unix epoch, with the sub-millisecond resolution that
 * rex's timestamps carry (`2026-01-16T06:35:32.423257Z`). Anchored once to Date.now() and advanced
 * by the monotonic high-resolution clock, so timestamps never go backwards within a process.
 */
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowEpochNs(): bigint {
  return anchorNs + process.hrtime.bigint();
}
