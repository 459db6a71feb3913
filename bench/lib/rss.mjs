// Peak resident memory of a process tree, sampled from /proc (Linux only).
import fs from 'node:fs';

function readOrNull(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // the process (or thread) ended between listing and reading
  }
}

function childrenOf(pid) {
  let tasks;
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  // Each thread has its own children list: a worker thread may spawn processes too.
  return tasks.flatMap((tid) => (readOrNull(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

function rssKiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readOrNull(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) : 0;
}

/**
 * Samples the summed VmRSS of `rootPid` and all its descendants every `intervalMs`, leaving out
 * any process (and its subtree) whose command line contains `excludeArg` (the client script).
 * `stop()` returns the peak in MB (10^6 bytes).
 */
export function sampleTreeRss(rootPid, { excludeArg = null, intervalMs = 100 } = {}) {
  // Read afresh each time: a just-forked child shows its parent's command line until it execs.
  const isExcluded = (pid) => excludeArg !== null && (readOrNull(`/proc/${pid}/cmdline`) ?? '').split('\0').includes(excludeArg);
  let peakKiB = 0;
  const sample = () => {
    let total = 0;
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.pop();
      if (pid !== rootPid && isExcluded(pid)) continue;
      total += rssKiB(pid);
      queue.push(...childrenOf(pid));
    }
    peakKiB = Math.max(peakKiB, total);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return (peakKiB * 1024) / 1e6;
    },
  };
}
