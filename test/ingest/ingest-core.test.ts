/**
 * The ingest logic against a real journal on disk (no threads): replies only after journaling,
 * visible merge rejections, and a restart that answers re-sent lines from the journal instead
 * of storing them twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestCore, type IngestEnvironment, type IngestOptions, type IngestReply } from '../../src/actors/ingest/ingest-core.js';
import { freshRunState, restoreRunState } from '../../src/actors/ingest/restore.js';
import { parseLineForIngest } from '../../src/actors/ingest/parse-line-for-ingest.js';
import { OUTLINE_SLICE } from '../../src/actors/ingest/outlined-device.js';
import { LineParser } from '../../src/actors/ingest/pooled-line-parser.js';
import { type LineItem, joinParts } from '../../src/protocol/line-splitter.js';
import { LineKind, RecordType, decodeRejectedBody, encodeJsonRecord } from '../../src/runtime/journal/codec.js';
import { parseLineBody } from '../../src/runtime/journal/line-body.js';
import { JournalReader } from '../../src/runtime/journal/reader.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(
  journalPath?: string,
  consumed = new Map<number, number>(),
  options: IngestOptions = {},
  parseLine: IngestEnvironment['parseLine'] = (line: LineItem) => parseLineForIngest(joinParts(line.parts, line.length)),
) {
  let file = journalPath;
  if (!file) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-ingest-'));
    dirs.push(dir);
    file = path.join(dir, 'loop-1.rexj');
  }
  const run = journalPath
    ? restoreRunState(file, consumed)
    : freshRunState(JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, { uuid: 'u' }, 1n)], { syncIntervalMs: 0 }));
  const replies: IngestReply[] = [];
  const journalSizesAtReply: number[] = [];
  let t = 1_000_000_000n;
  const core = new IngestCore(
    {
      parseLine,
      now: () => (t += 1000n),
      query: async ({ command }) => `answer to ${command}`,
      send: (reply) => {
        replies.push(reply);
        journalSizesAtReply.push(fs.statSync(file!).size);
      },
      control: () => {},
      journalGrew: () => {},
      warn: () => {},
    },
    run,
    options,
  );
  return { core, run, file, replies, journalSizesAtReply };
}

const device = (value: number, unit = 'V') =>
  JSON.stringify({ device_name: 'dev', device_config: {}, measurements: { ch: { data: [value], unit } } });
const text = (replies: IngestReply[]) => replies.map((r) => r.text).join('');
const lineRecords = (file: string) => [...new JournalReader(file).readAll()].filter((r) => r.type === RecordType.Line);

describe('IngestCore', () => {
  it('journals accepted lines before replying, in order, per connection', async () => {
    const { core, file, replies, journalSizesAtReply } = setup();
    core.receive(1, 0, Buffer.from(`${device(1)}\n${device(2)}\nPAUSE_STATE\n{"name":"L","id":"x"}\n`));
    await core.drain();
    expect(text(replies)).toBe(
      'Device measurements recorded\nDevice measurements recorded\nSetting internal server state to paused...\nPaused\n',
    );
    const records = lineRecords(file);
    expect(records.map((r) => r.flags)).toEqual([LineKind.Device, LineKind.Device]);
    expect(records.map((r) => r.connId)).toEqual([1, 1]);
    // The journal held both lines when the reply went out.
    expect(journalSizesAtReply[0]).toBeGreaterThanOrEqual(records[1]!.offset + records[1]!.body.length + 32);
  });

  it('rejects a unit switch visibly, keeps the raw line, and keeps the connection usable', async () => {
    const { core, file, replies } = setup();
    core.receive(1, 0, Buffer.from(`${device(1)}\n${device(2, 'mV')}\nnot json\n${device(3)}\n`));
    await core.drain();
    const lines = text(replies).trim().split('\n');
    expect(lines[0]).toBe('Device measurements recorded');
    expect(lines[1]).toMatch(/^Invalid format: unit mismatch .*'V'.*'mV'/);
    expect(lines[2]).toBe('Invalid format');
    expect(lines[3]).toBe('Device measurements recorded');
    const all = [...new JournalReader(file).readAll()];
    expect(all.filter((r) => r.type === RecordType.Rejected)).toHaveLength(2);
    expect(lineRecords(file)).toHaveLength(2);
  });

  it('trace lines joined in reused buffers: each journaled as sent, across queries, connections and a rejection', async () => {
    const parser = new LineParser();
    const { core, file, replies } = setup(undefined, undefined, {}, (line) => parser.parse(line));
    const trace = (n: number, unit = 'V') =>
      JSON.stringify({
        device_name: 'dev',
        device_config: {},
        measurements: { ch: { data: Array.from({ length: 4_000 }, (_, i) => n + i / 7), unit } },
      });
    const streams = new Map([
      [1, `${trace(1)}\n${trace(2)}\nSTATE\n${trace(3, 'mV')}\n${trace(4)}\n`],
      [2, `${trace(5)}\n${trace(6)}\n`],
    ]);
    // 20 KB pieces, the connections interleaved: most lines span pieces and are joined.
    const offsets = new Map([...streams.keys()].map((id) => [id, 0]));
    for (let more = true; more; ) {
      more = false;
      for (const [id, bytes] of streams) {
        const at = offsets.get(id)!;
        if (at >= bytes.length) continue;
        core.receive(id, at, Buffer.from(bytes.slice(at, at + 20_000)));
        offsets.set(id, at + 20_000);
        more = true;
      }
    }
    await core.drain();
    expect(text(replies.filter((r) => r.connId === 1))).toMatch(
      /^(Device measurements recorded\n){2}answer to STATE\nInvalid format: unit mismatch.*\nDevice measurements recorded\n$/,
    );
    const journaled = lineRecords(file).map((r) => parseLineBody(r.body));
    const firstValues = journaled.map((p) =>
      p.kind === 'device' && p.message.channels[0]!.data.shape === 'single' ? p.message.channels[0]!.data.values[0] : -1,
    );
    expect(firstValues.sort()).toEqual([1, 2, 4, 5, 6]);
    const [rejected] = [...new JournalReader(file).readAll()].filter((r) => r.type === RecordType.Rejected);
    expect(decodeRejectedBody(rejected!.body).line.toString()).toBe(trace(3, 'mV'));
  });

  it('answers queries in line order, after what came before them is journaled', async () => {
    const { core, replies } = setup();
    core.receive(1, 0, Buffer.from(`${device(1)}\nSTATE\n${device(2)}\nGET_DATASTREAM\n`));
    await core.drain();
    expect(text(replies)).toBe('Device measurements recorded\nanswer to STATE\nDevice measurements recorded\nanswer to GET_DATASTREAM\n');
  });

  it('the parts of one message are one batch: lines across parts, one reply; parts the worker has are skipped', async () => {
    const { core, file, replies } = setup();
    const bytes = Buffer.from([1, 2, 3, 4, 5].map((v) => `${device(v)}\n`).join(''));
    const [a, b] = [30, bytes.length - 20]; // the first and the last line span a cut
    core.receive(1, 0, bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b));
    await core.drain();
    expect(replies).toEqual([{ connId: 1, text: 'Device measurements recorded\n'.repeat(5), consumedOffset: bytes.length, close: false }]);
    // Sent again from an earlier offset (a restarted worker's resync, then what was on its way):
    // only the bytes after what it has count.
    core.receive(1, a, bytes.subarray(a, b), bytes.subarray(b), Buffer.from(`${device(6)}\n`));
    await core.drain();
    expect(replies.slice(1).map((r) => r.text)).toEqual(['Device measurements recorded\n']);
    const values = lineRecords(file).map((r) => JSON.parse(r.body.toString()).measurements.ch.data[0]);
    expect(values).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('after a restart, re-sent lines already journaled are answered from the journal, not stored twice', async () => {
    const first = setup();
    const bytes = Buffer.from(`${device(1)}\n${device(2)}\n${device(3)}\n`);
    first.core.receive(7, 0, bytes);
    await first.core.drain();
    const afterFirstLine = bytes.indexOf('\n') + 1;
    first.run.journal!.close();

    // The front saw only the first reply consumed: it re-sends everything after it.
    const second = setup(first.file, new Map([[7, afterFirstLine]]));
    second.core.receive(7, afterFirstLine, bytes.subarray(afterFirstLine));
    second.core.receive(7, afterFirstLine, Buffer.alloc(0)); // nothing new: nothing happens
    second.core.receive(7, bytes.length, Buffer.from(`${device(4)}\n`));
    await second.core.drain();
    expect(text(second.replies)).toBe('Device measurements recorded\n'.repeat(3));
    const values = lineRecords(first.file).map((r) => JSON.parse(r.body.toString()).measurements.ch.data[0]);
    expect(values).toEqual([1, 2, 3, 4]);
  });

  it('a restarted ingest keeps the channel units it had decided', async () => {
    const first = setup();
    first.core.receive(1, 0, Buffer.from(`${device(1)}\n`));
    await first.core.drain();
    first.run.journal!.close();
    const second = setup(first.file);
    second.core.receive(2, 0, Buffer.from(`${device(2, 'mV')}\n`));
    await second.core.drain();
    expect(text(second.replies)).toMatch(/^Invalid format: unit mismatch/);
  });

  // Issue 14: a line of 100,000 channels held every other connection's reply while it was decided.
  const wide = (unit: string) => {
    const measurements: Record<string, { data: number[]; unit: string }> = {};
    for (let i = 0; i < 3 * OUTLINE_SLICE; i++) measurements[`ch${i}`] = { data: [i], unit: i === 2 * OUTLINE_SLICE ? unit : 'V' };
    return JSON.stringify({ device_name: 'dev', device_config: {}, measurements });
  };

  it('a line of many channels is decided a slice per turn: another connection is answered meanwhile', async () => {
    const { core, file, replies } = setup();
    core.receive(1, 0, Buffer.from(`${wide('V')}\n`));
    core.receive(2, 0, Buffer.from(`${device(1, 'A')}\n`.replace('"dev"', '"other"')));
    await core.drain();
    expect(replies.map((r) => [r.connId, r.text])).toEqual([
      [2, 'Device measurements recorded\n'],
      [1, 'Device measurements recorded\n'],
    ]);
    expect(lineRecords(file).map((r) => r.connId)).toEqual([2, 1]);
  });

  it('a device changed while a wide line of it was decided: decided again, against the change', async () => {
    const { core, file, replies } = setup();
    // Its channel ch2000 is in mV; the short line, decided first, makes ch2000 a V channel.
    core.receive(1, 0, Buffer.from(`${wide('mV')}\n`));
    core.receive(2, 0, Buffer.from(`${device(1).replace('"ch"', `"ch${2 * OUTLINE_SLICE}"`)}\n`));
    await core.drain();
    expect(replies.map((r) => r.connId)).toEqual([2, 1]);
    expect(replies[1]!.text).toMatch(/^Invalid format: unit mismatch for device 'dev' channel 'ch2000'.*'V'.*'mV'/);
    expect(lineRecords(file).map((r) => r.connId)).toEqual([2]);
  });

  // Issue 14: a big line's body, appended inline, held every later reply for its whole write.
  describe('a big line body goes to a side file', () => {
    const sideBodies = (file: string) => fs.readdirSync(path.dirname(file)).filter((name) => name.endsWith('.body'));
    const big = (unit = 'V') =>
      JSON.stringify({
        device_name: 'dev',
        device_config: {},
        measurements: { ch: { data: Array.from({ length: 500 }, (_, i) => i / 7), unit } },
      });
    const small = { sideBodyMinBytes: 1024 };

    it('another connection is journaled and answered while it is written', async () => {
      const { core, file, replies } = setup(undefined, undefined, small);
      core.receive(1, 0, Buffer.from(`${big()}\n`));
      core.receive(2, 0, Buffer.from(`${device(1, 'A')}\n`.replace('"dev"', '"other"')));
      await core.drain();
      expect(replies.map((r) => [r.connId, r.text])).toEqual([
        [2, 'Device measurements recorded\n'],
        [1, 'Device measurements recorded\n'],
      ]);
      const records = lineRecords(file);
      expect(records.map((r) => r.connId)).toEqual([2, 1]);
      // Read back as the line itself; in the journal only a reference to it.
      expect(records[1]!.body.toString()).toBe(big());
      expect(sideBodies(file)).toEqual([`loop-1.rexj.1-${big().length + 1}.body`]);
      expect(fs.statSync(file).size).toBeLessThan(1024);
    });

    it('a rejected big line leaves no side file', async () => {
      const { core, file, replies } = setup(undefined, undefined, small);
      core.receive(1, 0, Buffer.from(`${device(1)}\n${big('mV')}\n`));
      await core.drain();
      expect(text(replies)).toMatch(/^Device measurements recorded\nInvalid format: unit mismatch/);
      expect(sideBodies(file)).toEqual([]);
    });

    it('after a restart, a big line journaled before it is answered from the journal, not written again', async () => {
      const first = setup(undefined, undefined, small);
      first.core.receive(1, 0, Buffer.from(`${big()}\n`));
      await first.core.drain();
      first.run.journal!.close();
      const restarted = setup(first.file, new Map([[1, 0]]), small);
      restarted.core.receive(1, 0, Buffer.from(`${big()}\n${device(2)}\n`));
      await restarted.core.drain();
      expect(text(restarted.replies)).toBe('Device measurements recorded\nDevice measurements recorded\n');
      expect(lineRecords(first.file).map((r) => r.body.toString())).toEqual([big(), device(2)]);
      expect(sideBodies(first.file)).toHaveLength(1);
    });
  });
});
