/**
 * Two runs of one session name started in the same millisecond, in one output directory (issue 14
 * item 6): each iteration's file is created under a name no file has yet (`<name>_2.toml` on a
 * clash) and afterwards replaced only by the same iteration, live writes and final write alike; a
 * new writer of the same iteration (a restarted file-writer, `rex recover`) finds its own file
 * again. Real journals, real file writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutputWriter } from '../../src/actors/file-writer/output-writer.js';
import { outputFileName } from '../../src/protocol/output/file-name.js';
import { TestJournal, T0_NS } from '../clickhouse/journal-builder.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { readToml } from '../helpers/rex-cli.js';

const dirs: string[] = [];
const writers: OutputWriter[] = [];
afterEach(() => {
  for (const writer of writers.splice(0)) {
    writer.follower.close();
    writer.output.removeSpill();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A run's journal in `<outputDir>/.rex/<uuid>/`: session "Clash", one value, ended unless `underWay`. */
function runJournal(outputDir: string, uuid: string, value: number, underWay = false): string {
  const file = path.join(outputDir, '.rex', uuid, 'loop-1.rexj');
  const journal = new TestJournal(file, { uuid });
  journal.line({ info: { name: 'Jane', email: 'j@lab.org', session_name: 'Clash', session_description: 'd' } });
  journal.line({ device_name: 'dev', device_config: {}, measurements: { ch: { data: [value], unit: 'V' } } });
  if (!underWay) journal.end();
  journal.close();
  return file;
}

/** A writer of the journal's live file, with its own clock (its 3 s pass at once). */
function liveWriter(journal: string, outputDir: string): { writer: OutputWriter; write(): Promise<void> } {
  const clock = new ManualClock();
  const writer = new OutputWriter(journal, { clock, log: () => {} });
  writer.output.start!.outputDir = outputDir; // the builder's journals name no output directory
  writers.push(writer);
  return {
    writer,
    async write() {
      clock.advance(60_000);
      writer.output.version++; // news: something to write
      expect(writer.maybeWriteLive()).toBe(true);
      await vi.waitFor(() => expect(writer.nextLiveWriteAt).toBeLessThan(Number.POSITIVE_INFINITY));
    },
  };
}

function uuidAndData(file: string): unknown[] {
  const doc = readToml(file);
  return [doc.session.UUID, doc.device.dev.data.ch.data];
}

describe('output files of runs started in the same millisecond', () => {
  it('get their own names, and each run replaces only its own file', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-clash-'));
    dirs.push(out);
    const name = outputFileName('Clash', new Date(Number(T0_NS / 1_000_000n)));
    const first = path.join(out, name);
    const second = path.join(out, name.replace(/\.toml$/, '_2.toml'));
    const a = runJournal(out, 'run-a', 1, true);
    const b = runJournal(out, 'run-b', 2, true);

    // A's file first: B's takes the suffixed name; later writes replace each run's own file.
    const writerA = liveWriter(a, out);
    const writerB = liveWriter(b, out);
    await writerA.write();
    await writerB.write();
    await writerB.write();
    await writerA.write();
    expect(uuidAndData(first)).toEqual(['run-a', [1]]);
    expect(uuidAndData(second)).toEqual(['run-b', [2]]);

    // A new writer of B (a restarted file-writer, or `rex recover`) finds B's file, not a third name.
    await liveWriter(b, out).write();
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.toml'))).toEqual([name, path.basename(second)].sort());
    expect(uuidAndData(first)).toEqual(['run-a', [1]]);
    expect(uuidAndData(second)).toEqual(['run-b', [2]]);
  });

  it('a file of the same name that is not a rex file of this run is never replaced', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-clash-'));
    dirs.push(out);
    const name = outputFileName('Clash', new Date(Number(T0_NS / 1_000_000n)));
    fs.writeFileSync(path.join(out, name), 'someone else\n');
    fs.symlinkSync(path.join(out, 'elsewhere'), path.join(out, name.replace(/\.toml$/, '_2.toml')));
    await liveWriter(runJournal(out, 'run-a', 1), out).write();
    expect(uuidAndData(path.join(out, name.replace(/\.toml$/, '_3.toml')))).toEqual(['run-a', [1]]);
    expect(fs.readFileSync(path.join(out, name), 'utf8')).toBe('someone else\n');
    expect(fs.existsSync(path.join(out, 'elsewhere'))).toBe(false);
  });
});
