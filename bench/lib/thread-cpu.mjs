// CPU time of each thread of one process, sampled from /proc (Linux only): where a run's CPU went.
import fs from 'node:fs';

/** USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_S = 100;

/** { atNs, threads: Map<tid, { ms, nice, name }> } for every thread of `pid` now (empty once it is gone). */
function snapshot(pid) {
  const threads = new Map();
  let tids = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    // the process ended
  }
  for (const tid of tids) {
    try {
      // Fields after the command's closing parenthesis: 14 utime, 15 stime, 19 nice (1-based).
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      // rex names its actor and pool threads (src/runtime/thread-name.ts); V8's and libuv's stay "node".
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') '));
      threads.set(Number(tid), { ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S, nice: Number(fields[16]), name });
    } catch {
      // the thread ended between listing and reading
    }
  }
  return { atNs: process.hrtime.bigint(), threads };
}

/**
 * Samples every `intervalMs`; `stop()` returns the samples. `between(samples, fromNs, toNs)` then
 * gives each thread's CPU ms from the last sample at or before `fromNs` to the first at or after
 * `toNs` (monotonic ns, the clock of Python's `time.monotonic_ns` too), busiest first. Threads are
 * named by their id's offset from the process id (0 is the main thread) and by the name rex gave
 * them, if any (`name`: "ingest", "store", …); niced threads say so.
 */
export function sampleThreadCpu(pid, intervalMs = 25) {
  const samples = [snapshot(pid)];
  const timer = setInterval(() => {
    const next = snapshot(pid);
    if (next.threads.size > 0) samples.push(next);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

export function threadCpuBetween(samples, fromNs, toNs, pid) {
  const first = samples.findLast((s) => s.atNs <= fromNs) ?? samples[0];
  const last = samples.find((s) => s.atNs >= toNs) ?? samples.at(-1);
  return [...last.threads]
    .map(([tid, { ms, nice, name }]) => ({ thread: tid - pid, name, nice, ms: ms - (first.threads.get(tid)?.ms ?? 0) }))
    .filter((t) => t.ms > 0)
    .sort((a, b) => b.ms - a.ms);
}
