/**
 * The live file's spacing, on the writer's clock (a ManualClock: the 3 s and the cost-based waits
 * elapse at once) over a real journal and real file writes: the first 3 s in, the next no sooner
 * than ten times as long as the last one took, and at least 3 s later, and only when there is news.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LIVE_MIN_INTERVAL_MS, liveWriteSpacingMs, OutputWriter } from '../../src/actors/file-writer/output-writer.js';
import { LineKind, RecordType, encodeJsonRecord, encodeRecord, type RunStartRecord } from '../../src/runtime/journal/codec.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';
import { ManualClock } from '../helpers/manual-clock.js';

const T0_NS = 1_768_545_332_000_000_000n; // 2026-01-16T06:35:32Z
const dirs: string[] = [];
const writers: OutputWriter[] = [];
afterEach(() => {
  for (const writer of writers.splice(0)) {
    writer.follower.close();
    writer.output.removeSpill();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A journal of a run under way (no end record): start, session, one device line; `line` adds more. */
function journalUnderWay(dir: string): { journalPath: string; line(value: number): void } {
  const journalPath = path.join(dir, 'loop-1.rexj');
  let ns = T0_NS;
  const start: RunStartRecord = { uuid: 'u-live', loop: 0, loops: 1, startTimeNs: ns.toString(), outputDir: dir, dryRun: false, run: {} };
  const journal = JournalWriter.create(journalPath, [encodeJsonRecord(RecordType.RunStart, start, ns)], { syncIntervalMs: 0 });
  const append = (kind: LineKind, message: unknown): void => {
    ns += 1_000_000n;
    journal.append([
      encodeRecord({ type: RecordType.Line, flags: kind, connId: 1, arrivalNs: ns, streamOffset: 0n }, JSON.stringify(message)),
    ]);
  };
  append(LineKind.Session, { info: { name: 'Jane', email: 'j@lab.org', session_name: 'live', session_description: 'd' } });
  const line = (value: number): void =>
    append(LineKind.Device, { device_name: 'dev', device_config: {}, measurements: { ch: { data: [value], unit: 'V' } } });
  line(1);
  return { journalPath, line };
}

describe('live file spacing', () => {
  it('is ten times the last write, and never under 3 s', () => {
    expect(liveWriteSpacingMs(0)).toBe(LIVE_MIN_INTERVAL_MS);
    expect(liveWriteSpacingMs(300)).toBe(3_000);
    expect(liveWriteSpacingMs(450)).toBe(4_500);
  });

  it('first 3 s in; then after the spacing the last write earned, and only with news', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-live-'));
    dirs.push(dir);
    const storeDir = path.join(dir, 'store');
    fs.mkdirSync(storeDir);
    const { journalPath, line } = journalUnderWay(dir);
    const clock = new ManualClock();
    const t0 = clock.now();
    const warnings: string[] = [];
    const writer = new OutputWriter(journalPath, { storeDir, clock, log: (_level, message) => warnings.push(message) });
    writers.push(writer);
    const liveFile = path.join(storeDir, 'rex.toml');

    clock.advance(LIVE_MIN_INTERVAL_MS - 1);
    expect(writer.maybeWriteLive()).toBe(false);
    clock.advance(1);
    expect(writer.maybeWriteLive()).toBe(true);
    await Promise.resolve(); // the write begins (and reads the clock) ...
    clock.advance(450); // ... and takes 450 ms
    await vi.waitFor(() => expect(writer.nextLiveWriteAt).toBe(t0 + 3_450 + 4_500));
    expect(fs.readFileSync(liveFile, 'utf8')).toMatch(/data = \[\s*1\.0,\s*\]/);

    clock.advance(10_000);
    expect(writer.maybeWriteLive()).toBe(false); // no news
    line(2);
    writer.catchUp();
    expect(writer.maybeWriteLive()).toBe(true);
    await vi.waitFor(() => expect(writer.nextLiveWriteAt).toBe(clock.now() + LIVE_MIN_INTERVAL_MS));
    expect(fs.readFileSync(liveFile, 'utf8')).toMatch(/data = \[\s*1\.0,\s*2\.0,\s*\]/);
    expect(warnings).toEqual([]);
  });
});
