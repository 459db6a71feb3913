/**
 * The journal tail (the following shell of store and file-writer) on the main thread's bus, over
 * real journals read by a real JournalFollower.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BusHub } from '../../src/bus/hub.js';
import { RecordType, encodeJsonRecord, encodeRecord } from '../../src/runtime/journal/codec.js';
import { JournalFollower } from '../../src/runtime/journal/follower.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';
import { JournalTail, journalNews, type TailedJournal } from '../../src/runtime/worker/journal-tail.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-journal-tail-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const pauseRecord = (paused: boolean) =>
  encodeRecord({ type: RecordType.Pause, flags: paused ? 1 : 0, connId: 0, arrivalNs: 1n, streamOffset: 0n }, '');

/** A journal with its run-start record and `pauses` pause records. */
function journal(file: string, pauses: number): JournalWriter {
  const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, { uuid: path.basename(file) }, 1n)], {
    syncIntervalMs: 0,
  });
  for (let i = 0; i < pauses; i++) writer.append([pauseRecord(i % 2 === 0)]);
  cleanups.push(() => writer.close());
  return writer;
}

/** What the tail opened, and what each reader applied. */
interface Reader extends TailedJournal {
  records: string[];
  catchUps: number;
  closed: boolean;
  /** Every size passed to catchUpTo. */
  noticed: number[];
  follower: JournalFollower;
}

function host(current: string | null) {
  const hub = new BusHub();
  cleanups.push(() => hub.close());
  hub.bus.serve('run.current', () => ({ journalPath: current, loop: 0 }));
  const opened: Reader[] = [];
  let caughtUp: (() => void) | null = null;
  const open = (journalPath: string): Reader => {
    const records: string[] = [];
    const follower = new JournalFollower(journalPath, {
      runStart: () => records.push('start'),
      pause: (paused) => records.push(paused ? 'paused' : 'resumed'),
    });
    const reader: Reader = {
      journalPath,
      records,
      catchUps: 0,
      closed: false,
      noticed: [],
      follower,
      catchUp: () => {
        reader.catchUps++;
        follower.catchUp();
        caughtUp?.();
      },
      catchUpTo: (end) => {
        reader.catchUps++;
        reader.noticed.push(end);
        follower.catchUpTo(end);
        caughtUp?.();
      },
      close: () => {
        reader.closed = true;
        follower.close();
      },
    };
    opened.push(reader);
    return reader;
  };
  const start = async () => {
    const tail = await JournalTail.start(hub.bus, open);
    cleanups.push(() => tail.stop());
    return tail;
  };
  const nextCatchUp = () => new Promise<void>((resolve) => (caughtUp = resolve));
  return { bus: hub.bus, opened, start, nextCatchUp };
}

/** A tail started on a journal that holds only its run-start record, and that journal's writer. */
async function tailOfNewJournal() {
  const file = path.join(tempDir(), 'loop-1.rexj');
  const writer = journal(file, 0);
  const { bus, start, nextCatchUp } = host(file);
  return { file, writer, bus, tail: await start(), nextCatchUp };
}

describe('JournalTail', () => {
  it('follows the journal in progress from its start: a restarted follower reads it all again', async () => {
    const file = path.join(tempDir(), 'loop-1.rexj');
    journal(file, 2);
    const { opened, start } = host(file);
    const first = await start();
    expect(first.current?.records).toEqual(['start', 'paused', 'resumed']);
    first.stop();
    expect(opened[0]!.closed).toBe(true);

    const restarted = await start();
    expect(opened).toHaveLength(2);
    expect(restarted.current?.records).toEqual(['start', 'paused', 'resumed']);
  });

  it('reads on when the journal grew: on a later turn, once for the notices of one turn, each record once', async () => {
    const { file, writer, bus, tail, nextCatchUp } = await tailOfNewJournal();
    const reader = tail.current!;
    const catchUpsAtStart = reader.catchUps;

    writer.append([pauseRecord(true)]);
    bus.publish('journal.grew', { path: file, size: writer.bytesWritten });
    writer.append([pauseRecord(false)]);
    bus.publish('journal.grew', { path: file, size: writer.bytesWritten });
    bus.publish('journal.grew', { path: file, size: writer.bytesWritten });
    const caughtUp = nextCatchUp();
    await Promise.resolve();
    expect(reader.catchUps).toBe(catchUpsAtStart); // not in the turn of the notices, nor its microtasks
    await caughtUp;
    expect(reader.catchUps).toBe(catchUpsAtStart + 1);
    expect(reader.records).toEqual(['start', 'paused', 'resumed']);

    // An answer that must be current reads at once, without a notice.
    writer.append([pauseRecord(true)]);
    expect(tail.catchUp()?.records).toEqual(['start', 'paused', 'resumed', 'paused']);
  });

  it('a new iteration, or a notice of another journal, closes the reader and reads the new journal from its start', async () => {
    const dir = tempDir();
    const [one, two, three] = ['loop-1.rexj', 'loop-2.rexj', 'loop-3.rexj'].map((name) => path.join(dir, name)) as [string, string, string];
    journal(one, 1);
    const { bus, opened, start } = host(one);
    const tail = await start();

    journal(two, 2);
    bus.publish('run.iteration', { phase: 'started', loop: 1, loops: 3, journalPath: two });
    expect(opened.map((r) => [path.basename(r.journalPath), r.closed])).toEqual([
      ['loop-1.rexj', true],
      ['loop-2.rexj', false],
    ]);
    expect(tail.current?.records).toEqual(['start', 'paused', 'resumed']);
    bus.publish('run.iteration', { phase: 'ended', loop: 1, loops: 3, journalPath: two });
    expect(tail.current?.journalPath).toBe(two);

    const writer = journal(three, 1);
    bus.publish('journal.grew', { path: three, size: writer.bytesWritten });
    expect(tail.current?.journalPath).toBe(three);
    expect(tail.current?.records).toEqual(['start', 'paused']);
    expect(opened.filter((r) => !r.closed)).toHaveLength(1);
    // Asked for a journal it already reads, it keeps its reader (nothing is read twice).
    expect(tail.follow(three)).toBe(tail.current);
    expect(opened).toHaveLength(3);
  });

  it("reads up to the latest notice's size and no further: what ingest appended since waits for its notice", async () => {
    const { file, writer, bus, tail, nextCatchUp } = await tailOfNewJournal();
    const reader = tail.current!;

    writer.append([pauseRecord(true)]);
    bus.publish('journal.grew', { path: file, size: writer.intactLength });
    writer.append([pauseRecord(false)]);
    const noticed = writer.intactLength;
    bus.publish('journal.grew', { path: file, size: noticed });
    writer.append([pauseRecord(true)]); // appended before the reader's turn, not yet announced
    await nextCatchUp();
    expect(reader.noticed).toEqual([noticed]);
    expect(reader.records).toEqual(['start', 'paused', 'resumed']);

    bus.publish('journal.grew', { path: file, size: writer.intactLength });
    await nextCatchUp();
    expect(reader.records).toEqual(['start', 'paused', 'resumed', 'paused']);
  });

  it('trusts the records a notice announced: their CRCs are not computed again, those past it are', async () => {
    const { file, writer, bus, tail, nextCatchUp } = await tailOfNewJournal();
    writer.append([pauseRecord(true)]);
    const noticed = writer.intactLength;
    writer.append([pauseRecord(false)]);
    // The stored CRC of each of the two records changed behind the tail's back: only a reader that checks can tell.
    const recordLength = writer.intactLength - noticed;
    const bytes = fs.readFileSync(file);
    for (const crcAt of [noticed - recordLength + 4, writer.intactLength - recordLength + 4]) bytes[crcAt] = bytes[crcAt]! ^ 0xff;
    fs.writeFileSync(file, bytes);

    bus.publish('journal.grew', { path: file, size: noticed });
    await nextCatchUp();
    expect(tail.current?.records).toEqual(['start', 'paused']);
    expect(tail.catchUp()?.records).toEqual(['start', 'paused']);
    expect(tail.current?.follower.corruption).toEqual({ offset: noticed, reason: 'checksum mismatch' });
  });

  it('stopped: a catch-up already due does not happen, and the reader is closed', async () => {
    const file = path.join(tempDir(), 'loop-1.rexj');
    const writer = journal(file, 0);
    const { bus, start } = host(file);
    const tail = await start();
    const reader = tail.current!;
    const catchUps = reader.catchUps;
    bus.publish('journal.grew', { path: file, size: writer.bytesWritten });
    tail.stop();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.catchUps).toBe(catchUps);
    expect(tail.current).toBeNull();
  });

  it('starts without a journal when no iteration is in progress, and follows the first one', async () => {
    const file = path.join(tempDir(), 'loop-1.rexj');
    const { bus, start } = host(null);
    const tail = await start();
    expect(tail.current).toBeNull();
    journal(file, 0);
    bus.publish('run.iteration', { phase: 'started', loop: 0, loops: 1, journalPath: file });
    expect(tail.current?.records).toEqual(['start']);
  });
});

describe('journalNews', () => {
  it('is every journal.grew and every run.iteration', () => {
    const { bus } = host(null);
    let news = 0;
    const subscription = journalNews(bus).subscribe(() => news++);
    bus.publish('journal.grew', { path: '/x/loop-1.rexj', size: 8 });
    bus.publish('run.iteration', { phase: 'started', loop: 0, loops: 1, journalPath: '/x/loop-1.rexj' });
    bus.publish('run.iteration', { phase: 'ended', loop: 0, loops: 1, journalPath: '/x/loop-1.rexj' });
    subscription.unsubscribe();
    bus.publish('journal.grew', { path: '/x/loop-1.rexj', size: 16 });
    expect(news).toBe(3);
  });
});
