import fs from 'node:fs';
import path from 'node:path';

/** `loop-N.rexj` files of a run's journal directory, by N (the journals' readers walk them in this order). */
export function listJournals(journalDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(journalDir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, loop: /^loop-(\d+)\.rexj$/.exec(name)?.[1] }))
    .filter((entry): entry is { name: string; loop: string } => entry.loop !== undefined)
    .sort((a, b) => Number(a.loop) - Number(b.loop))
    .map((entry) => path.join(journalDir, entry.name));
}
