/**
 * An iteration's output file is created under a name no file has yet, and after that only ever
 * replaced by the same iteration: two runs of one session name started in the same millisecond
 * get `<name>.toml` and `<name>_2.toml`, never one file that replaces the other.
 *
 * "The same iteration" is read from the file itself, the `UUID` and `start_time` of its
 * `[session]` table: a restarted file-writer, or `rex recover` after rex was killed, finds the
 * iteration's own live file and writes over it, and leaves any other file alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withClashSuffix } from '../../protocol/output/file-name.js';
import { formatSessionTime } from '../../protocol/timestamps.js';
import { placeExclusively } from '../../runtime/atomic-file.js';
import type { RunStartRecord } from '../../runtime/journal/codec.js';

const MAX_CLASH_SUFFIX = 1000;
/** How far from its end a file is searched for its `[session]` table (it follows the data). */
const SESSION_SEARCH_BYTES = 16 << 20;
const SEARCH_CHUNK_BYTES = 1 << 20;

export class OwnOutputFile {
  private claimed: { wanted: string; file: string } | undefined;

  /** Where the file named `wanted` is (or will be, as far as known now). */
  nameFor(wanted: string): string {
    return this.claimed?.wanted === wanted ? this.claimed.file : wanted;
  }

  /** Puts the finished `temp` in place as the file named `wanted` of the iteration `start`; returns its path. */
  async place(temp: string, wanted: string, start: RunStartRecord): Promise<string> {
    if (this.claimed?.wanted === wanted) {
      await fs.promises.rename(temp, this.claimed.file);
      return this.claimed.file;
    }
    const own = { uuid: start.uuid, startTime: formatSessionTime(BigInt(start.startTimeNs)) };
    const dir = path.dirname(wanted);
    for (let n = 1; n <= MAX_CLASH_SUFFIX; n++) {
      const file = path.join(dir, withClashSuffix(path.basename(wanted), n));
      let placed = await placeExclusively(temp, file);
      if (!placed && sameIdentity(await sessionIdentity(file), own)) {
        await fs.promises.rename(temp, file);
        placed = true;
      }
      if (placed) {
        this.claimed = { wanted, file };
        return file;
      }
    }
    throw new Error(`${wanted} and ${MAX_CLASH_SUFFIX - 1} suffixed names are all taken by other files`);
  }
}

interface SessionIdentity {
  uuid: string;
  startTime: string;
}

function sameIdentity(a: SessionIdentity | undefined, b: SessionIdentity): boolean {
  return a !== undefined && a.uuid === b.uuid && a.startTime === b.startTime;
}

/** `UUID` and `start_time` of a rex output file's `[session]` table; undefined for anything else (a link too). */
async function sessionIdentity(file: string): Promise<SessionIdentity | undefined> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    let tail = '';
    for (let end = size; end > 0 && size - end < SESSION_SEARCH_BYTES; end -= SEARCH_CHUNK_BYTES) {
      const start = Math.max(0, end - SEARCH_CHUNK_BYTES);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      tail = (start === 0 ? '\n' : '') + chunk.toString('latin1') + tail;
      const at = tail.lastIndexOf('\n[session]\n');
      if (at < 0) continue;
      const table = tail.slice(at + '\n[session]\n'.length).split('\n[')[0]!;
      const uuid = /^UUID = "([^"\n]*)"$/m.exec(table)?.[1];
      const startTime = /^start_time = "([^"\n]*)"$/m.exec(table)?.[1];
      return uuid !== undefined && startTime !== undefined ? { uuid, startTime } : undefined;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
