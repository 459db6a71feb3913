// The archive's side of a journal (src/cli/fleet-archive/archived-journal.ts): records that come
// late, twice, in chunks, or after the archive was killed still rebuild the station's journal
// byte for byte, and every message is handed back to be acknowledged once its record is written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ArchivedJournal } from '../../src/cli/fleet-archive/archived-journal.js';
import { chunkCount, chunksOf } from '../../src/protocol/fleet/journal-subjects.js';
import { JournalReader } from '../../src/runtime/journal/reader.js';
import { TestJournal } from '../clickhouse/journal-builder.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Message {
  offset: number;
  next: number;
  chunk: number;
  chunks: number;
  data: Buffer;
  id: string;
}

/** A finished station journal and the messages the replicator would publish for it (chunks of 1 KiB). */
function stationJournal(): { file: string; messages: Message[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-archived-'));
  dirs.push(dir);
  const file = path.join(dir, 'station.rexj');
  const journal = new TestJournal(file, { uuid: 'u1' });
  journal.line({ info: { name: 'A', email: 'a@b.c', session_name: 'S', session_description: 'd' } });
  for (let k = 0; k < 20; k++)
    journal.line({
      device_name: 'd',
      device_config: {},
      measurements: { x: { data: Array.from({ length: 50 * k }, (_, j) => j + k), unit: 'V' } },
    });
  journal.end();
  journal.close();
  const reader = new JournalReader(file);
  const records = [...reader.readAll()];
  const end = reader.position;
  reader.close();
  const bytes = fs.readFileSync(file);
  const messages = records.flatMap((record, i) => {
    const next = records[i + 1]?.offset ?? end;
    const raw = bytes.subarray(record.offset, next);
    const chunks = chunkCount(raw.length, 1024);
    return [...chunksOf([raw], 1024)].map((data, chunk) => ({
      offset: record.offset,
      next,
      chunk,
      chunks,
      data,
      id: `${record.offset}/${chunk}`,
    }));
  });
  expect(messages.length).toBeGreaterThan(records.length); // some records take several messages
  return { file, messages };
}

function feed(archived: ArchivedJournal<string>, messages: readonly Message[]): string[] {
  const done = messages.flatMap((m) => archived.addChunk(m.offset, m.next, m.chunk, m.chunks, m.data, m.id));
  archived.sync();
  return done;
}

it('late, repeated and reordered messages rebuild the journal byte for byte; each is handed back once its record is written', () => {
  const { file, messages } = stationJournal();
  const target = path.join(path.dirname(file), 'hub', 'loop-1.rexj');
  const archived = new ArchivedJournal<string>(target, (m) => expect.fail(m));
  // An outage: the first third arrives, then the rest from the middle on, then (resent) from the first third on.
  const third = Math.floor(messages.length / 3);
  const firstPart = feed(archived, messages.slice(0, third));
  expect(archived.complete).toBe(false);
  const early = feed(archived, messages.slice(2 * third));
  expect(early).toEqual([]); // waiting for the middle
  expect(archived.waitingCount).toBeGreaterThan(0);
  const resent = feed(archived, messages.slice(third));
  expect(archived.complete).toBe(true);
  expect(archived.waitingCount).toBe(0);
  expect(new Set([...firstPart, ...early, ...resent])).toEqual(new Set(messages.map((m) => m.id)));
  archived.close();
  expect(fs.readFileSync(target).equals(fs.readFileSync(file))).toBe(true);

  // Killed mid-append (a torn record at the end), started again, everything sent again: the same bytes.
  fs.appendFileSync(target, messages.at(-1)!.data.subarray(0, 10));
  const again = new ArchivedJournal<string>(target, (m) => expect.fail(m));
  expect(again.complete).toBe(true);
  expect(feed(again, messages)).toHaveLength(messages.length);
  again.close();
  expect(fs.readFileSync(target).equals(fs.readFileSync(file))).toBe(true);
});
