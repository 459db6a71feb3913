/**
 * How far a journal is replicated, kept beside it (`loop-1.rexj` → `loop-1.fleet.json`): the
 * offset up to which every record is acknowledged by the hub, and whether its last record (run
 * end, or the end marker of a journal without one) is. A lower bound: saved a few times a
 * second, so a replicator that starts again (a restarted actor, `rex recover`) may send some
 * records again; the stream's dedup window drops them, and the archive skips any it already has.
 */
import fs from 'node:fs';
import { JOURNAL_MAGIC } from '../../runtime/journal/codec.js';

export interface ReplicationProgress {
  /** Offset just after the last record of an unbroken acknowledged prefix. */
  acked: number;
  /** The journal's end is acknowledged: nothing more to send. */
  done: boolean;
}

export function progressPathOf(journalPath: string): string {
  return `${journalPath.replace(/\.rexj$/, '')}.fleet.json`;
}

export function loadProgress(journalPath: string): ReplicationProgress {
  try {
    const saved = JSON.parse(fs.readFileSync(progressPathOf(journalPath), 'utf8')) as Partial<ReplicationProgress>;
    if (typeof saved.acked === 'number' && saved.acked >= JOURNAL_MAGIC.length) return { acked: saved.acked, done: saved.done === true };
  } catch {
    // None yet, or unreadable: from the start (the hub drops what it has).
  }
  return { acked: JOURNAL_MAGIC.length, done: false };
}

/** Replaced atomically (rename); not synced: losing it only means sending again. */
export function saveProgress(journalPath: string, progress: ReplicationProgress): void {
  const file = progressPathOf(journalPath);
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(progress));
  fs.renameSync(temp, file);
}
