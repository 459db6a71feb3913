/**
 * Small helpers the system tests share: polling for a condition, reading the counter files the
 * fixtures write, and telling whether a process is gone.
 */
import fs from 'node:fs';
import { vi } from 'vitest';

/**
 * Polls `probe` every `pollMs` until it gives a value, or fails naming `what` (for what other
 * processes do, which sends no event). A probe that throws fails at once, not at the timeout.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 45_000, pollMs = 25): Promise<T> {
  const outcome = await vi.waitFor(
    (): { value: T } | { error: unknown } => {
      let value: T | undefined | null | false;
      try {
        value = probe();
      } catch (error) {
        return { error };
      }
      if (value === undefined || value === null || value === false) throw new Error(`timed out waiting for ${what}`);
      return { value };
    },
    { timeout: timeoutMs, interval: pollMs },
  );
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** Complete lines "1", "2", ... of a counter file written by a fixture; fails if they are not exactly 1..n. */
export function counterLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8');
  const lines = text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map(Number);
  lines.forEach((value, index) => {
    if (value !== index + 1) throw new Error(`${file}: line ${index + 1} is ${value}`);
  });
  return lines.length;
}

/** Gone, or a zombie (dead, merely not yet reaped by whoever inherited it). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** A thread's or process's name and nice value, from the text of its /proc `stat` (Linux). */
export function nameAndNice(stat: string): { name: string; nice: number } {
  // The name may hold spaces or parentheses: the fields are counted from its closing one (nice is field 19).
  const close = stat.lastIndexOf(')');
  return { name: stat.slice(stat.indexOf('(') + 1, close), nice: Number(stat.slice(close + 2).split(' ')[16]) };
}
