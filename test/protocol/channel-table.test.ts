// A line of many small flat channels is read from its bytes into a channel table
// (src/protocol/channel-table.ts) and journaled so: it must parse to exactly what its text
// parses to, anything the table cannot hold exactly must take the other paths, and followers
// merging the journaled table must write the same output file as from the line's text.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunOutput } from '../../src/actors/file-writer/run-output.js';
import { ChannelTable, TABLE_MIN_CHANNELS } from '../../src/protocol/channel-table.js';
import type { ParsedLine } from '../../src/protocol/messages.js';
import { applyMergeToWindows, type LiveWindows } from '../../src/protocol/live-query.js';
import { createDeviceRegistry, mergeAndCommit, mergeDevice } from '../../src/protocol/merge.js';
import { renderOutputToString } from '../../src/protocol/output/render.js';
import { parseLine, parseLineBytes } from '../../src/protocol/parse.js';
import { LineKind, RecordType, encodeJsonRecord, encodeRecordParts } from '../../src/runtime/journal/codec.js';
import { JournalFollower } from '../../src/runtime/journal/follower.js';
import { encodeSkeletonBody, parseLineBody } from '../../src/runtime/journal/line-body.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';

const NUMBERS = ['0', '-0', '1.5', '0.1', '1e999', '-Infinity', 'NaN', '0.30000000000000004', '12345678901234567', '5e-324'];
const NAMES = ['µ-ch', '日本語', '__proto__', 'a b', 'x.y', '0x', 'c-1'];

/** `count` channels of 0–3 numbers, names and units of every kind the table takes, in Python's and compact layouts. */
function wideLine(count: number, extra = ''): string {
  const channels: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = i < NAMES.length ? NAMES[i]! : `ch${i}`;
    const data = `[${Array.from({ length: i % 4 }, (_, k) => NUMBERS[(i + k) % NUMBERS.length]).join(i % 2 ? ', ' : ',')}]`;
    const unit = ['V', 'A', 'µA', ''][i % 4]!;
    const members = i % 3 ? `"data": ${data}, "unit": ${JSON.stringify(unit)}` : `"unit":${JSON.stringify(unit)},"data":${data}`;
    channels.push(`${JSON.stringify(name)}: {${members}}`);
  }
  return `{"device_name": "wide", "device_config": {"gain": 2.0, "n": 3}, "measurements": {${channels.join(', ')}}${extra}}`;
}

/** Equal messages, and every value equal bit for bit (toEqual takes -0 for 0 and NaN for NaN alike). */
function expectSameLine(got: ParsedLine, want: ParsedLine): void {
  expect(got).toEqual(want);
  if (got.kind !== 'device' || want.kind !== 'device') return;
  got.message.channels.forEach((channel, i) => {
    const values = (c: typeof channel) => (c.data.shape === 'single' ? Buffer.from(c.data.values.slice().buffer) : null);
    expect(channel.name).toBe(want.message.channels[i]!.name);
    expect(values(channel)).toEqual(values(want.message.channels[i]!));
  });
}

function tableOf(line: string): ChannelTable | undefined {
  const { skeleton } = parseLineBytes(Buffer.from(line));
  return skeleton?.extracted.find((piece): piece is ChannelTable => piece instanceof ChannelTable);
}

function bodyOf(line: string): Buffer {
  // Journal records are read back at any alignment: shift the body by one byte to prove it.
  return Buffer.concat([Buffer.alloc(1), ...encodeSkeletonBody(parseLineBytes(Buffer.from(line)).skeleton!)]).subarray(1);
}

describe('channel tables', () => {
  it('a line of many small channels is read into a table and parses to what its text parses to', () => {
    const line = wideLine(TABLE_MIN_CHANNELS + 7, ', "timestamps": {"ch2000": ["2026-01-01T00:00:00Z"]}');
    const table = tableOf(line);
    expect(table?.count).toBe(TABLE_MIN_CHANNELS + 7);
    expectSameLine(parseLineBytes(Buffer.from(line)).parsed, parseLine(line));
    // The journal body: smaller than the text, read back as the same message, values copied or as views.
    const body = bodyOf(line);
    expect(body.length).toBeLessThan(Buffer.byteLength(line));
    expectSameLine(parseLineBody(body), parseLine(line));
    expectSameLine(parseLineBody(Buffer.from(body), { views: true }), parseLine(line));
  });

  it('a device-level timestamp of a table channel is given to it, as the text parse does', () => {
    const line = wideLine(TABLE_MIN_CHANNELS, ', "timestamps": {"ch10": ["2026-01-01T00:00:00Z"]}');
    const parsed = parseLineBody(bodyOf(line));
    if (parsed.kind !== 'device') throw new Error('expected a device line');
    expect(parsed.message.channels[10]!.timestamps).toEqual(['2026-01-01T00:00:00Z']);
    expectSameLine(parsed, parseLine(line));
  });

  it.each([
    ['a name given twice (JSON.parse keeps the last value, at the first place)', (l: string) => l.replace('"ch901": {', '"ch8": {')],
    ['a name of digits only (listed first by JSON.parse)', (l: string) => l.replace('"ch901"', '"901"')],
    ['a name written with an escape', (l: string) => l.replace('"ch901"', '"ch\\u0039"')],
    ['a unit written with an escape', (l: string) => l.replace('"unit": "A"}', '"unit": "\\u0041"}')],
    ['a channel with its own timestamps', (l: string) => l.replace('"ch901": {', '"ch901": {"timestamps": ["2026-01-01T00:00:00Z"], ')],
    ['a channel with another key', (l: string) => l.replace('"ch901": {', '"ch901": {"note": 1, ')],
    [
      'a channel of 512 bytes of data or more',
      (l: string) => l.replace('"ch901": {', `"ch901": {"data": [${'1.25, '.repeat(200)}1], "unit": "V"}, "x901": {`),
    ],
    ['a channel of rows', (l: string) => l.replace('"ch901": {"data": [', '"ch901": {"data": [[1], [')],
    ['measurements given twice', (l: string) => `${l.slice(0, -1)}, "measurements": {"v": {"data": [1], "unit": "V"}}}`],
    ['a broken number', (l: string) => l.replace('"ch901": {"data": [', '"ch901": {"data": [1.e5, ')],
    ['too few channels', () => wideLine(TABLE_MIN_CHANNELS - 1)],
  ])('%s: no table, and the same message or reason as the text', (_case, edit) => {
    const line = edit(wideLine(TABLE_MIN_CHANNELS + 1));
    expect(line).not.toBe(wideLine(TABLE_MIN_CHANNELS + 1));
    expect(tableOf(line)).toBeUndefined();
    expectSameLine(parseLineBytes(Buffer.from(line)).parsed, parseLine(line));
  });

  it('the most compact line of that many channels is still a table (lines too short for one are not scanned)', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const shortName = (i: number) =>
      i === 0 ? '' : i <= letters.length ? letters[i - 1]! : `${letters[i % 52]}${letters[Math.floor(i / 52)]}`;
    const channels = Array.from({ length: TABLE_MIN_CHANNELS }, (_, i) => `"${shortName(i)}":{"data":[],"unit":""}`);
    const line = `{"device_name":"w","device_config":{},"measurements":{${channels.join(',')}}}`;
    expect(tableOf(line)?.count).toBe(TABLE_MIN_CHANNELS);
    expectSameLine(parseLineBytes(Buffer.from(line)).parsed, parseLine(line));
  });

  it('a bad field outside measurements gets the reason the whole line gets', () => {
    const line = wideLine(TABLE_MIN_CHANNELS).replace('"device_name": "wide"', '"device_name": 7');
    const parsed = parseLineBytes(Buffer.from(line)).parsed;
    expect(parsed.kind).toBe('invalid');
    expect(parsed).toEqual(parseLine(line));
  });
});

describe('followers of a journaled channel table', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The output file a follower writes from a journal of `bodies` (each line's journal body). */
  async function outputOf(bodies: Buffer[], budgetBytes?: number): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-channel-table-'));
    dirs.push(dir);
    const journal = path.join(dir, 'loop-0.rexj');
    const start = { uuid: 'u', startTimeNs: '1764000000000000000', loop: 0, loops: 1, run: {}, outputDir: dir };
    const writer = JournalWriter.create(journal, [encodeJsonRecord(RecordType.RunStart, start, 1n)], { syncIntervalMs: 0 });
    bodies.forEach((body, i) => {
      const arrivalNs = 1_764_000_000_000_000_000n + BigInt(i) * 1_000_000_000n;
      writer.append(
        encodeRecordParts({ type: RecordType.Line, flags: LineKind.Device, connId: 1, arrivalNs, streamOffset: BigInt(i) }, body),
      );
    });
    writer.close();
    const output = new RunOutput(path.join(dir, 'loop-0.spill'), budgetBytes);
    const follower = new JournalFollower(journal, output, { transient: true });
    follower.catchUp();
    follower.close();
    const text = await renderOutputToString(output.source());
    output.removeSpill();
    return text;
  }

  it('merging the table writes the same output file as merging the text', async () => {
    // Twice the same channels (their second values), then a line with a different unit (rejected), then more channels.
    const lines = [
      wideLine(TABLE_MIN_CHANNELS + 3),
      wideLine(TABLE_MIN_CHANNELS + 3),
      wideLine(TABLE_MIN_CHANNELS + 9).replace('"unit": "A"}', '"unit": "mA"}'),
    ];
    expect(lines.every((line) => tableOf(line) !== undefined)).toBe(true);
    const fromText = await outputOf(lines.map((line) => Buffer.from(line)));
    const fromTables = await outputOf(lines.map(bodyOf));
    expect(fromTables).toBe(fromText);
    expect(fromText).toContain('"日本語" = [');
  });

  it("a new device's table kept as columns, written out at once under the budget, then reached by later lines: the same file", async () => {
    // No budget: the table's values go to the values file as they come, and are read back from it
    // when a later line reaches a channel (1 and 3: promoted to rows, or appended) and when rendered.
    const lines = [
      wideLine(TABLE_MIN_CHANNELS + 3),
      wideLine(3),
      wideLine(TABLE_MIN_CHANNELS).replace('"device_name": "wide"', '"device_name": "w2"'),
    ];
    const fromText = await outputOf(
      lines.map((line) => Buffer.from(line)),
      0,
    );
    expect(await outputOf([bodyOf(lines[0]!), Buffer.from(lines[1]!), bodyOf(lines[2]!)], 0)).toBe(fromText);
    expect(fromText).toContain('[device.w2.data."日本語"]');
  });

  it("a device's tables rendered ahead are written from their text, and rendered again once the device changed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-channel-table-'));
    dirs.push(dir);
    /** The file of `bodies` merged in order into `output`, rendered after each `render` line. */
    const merger = (output: RunOutput) => {
      const devices = createDeviceRegistry();
      let second = 0;
      return (body: Buffer) => {
        const parsed = parseLineBody(body);
        if (parsed.kind !== 'device') throw new Error('expected a device line');
        const merged = mergeAndCommit(devices, parsed.message, `2026-11-25T10:00:0${second++}Z`);
        if (!merged.ok) throw new Error(merged.reason);
        output.device(parsed.message, merged);
      };
    };
    const lines = [wideLine(TABLE_MIN_CHANNELS + 3), wideLine(3)];
    const fromText = new RunOutput(path.join(dir, 'text.spill'));
    const fromTable = new RunOutput(path.join(dir, 'table.spill'));
    const [sendText, sendTable] = [merger(fromText), merger(fromTable)];
    try {
      sendText(Buffer.from(lines[0]!));
      sendTable(bodyOf(lines[0]!));
      const ahead = fromTable.sourceToPrerender();
      expect(fromText.sourceToPrerender()).toBeUndefined();
      await renderOutputToString(ahead!);
      expect(ahead?.devices[0]?.sections?.data).toBeDefined();
      expect(fromTable.sourceToPrerender()).toBeUndefined(); // once
      expect(await renderOutputToString(fromTable.source())).toBe(await renderOutputToString(fromText.source()));
      // A later line reaches some of the table's channels: the kept text is out of date.
      sendText(Buffer.from(lines[1]!));
      sendTable(Buffer.from(lines[1]!));
      expect(await renderOutputToString(fromTable.source())).toBe(await renderOutputToString(fromText.source()));
    } finally {
      fromText.removeSpill();
      fromTable.removeSpill();
    }
  });

  it("a new device's table: the merge makes its effects only when read, the same as from the text", () => {
    const line = wideLine(TABLE_MIN_CHANNELS + 5);
    const arrival = '2026-11-25T10:00:00Z';
    const fromTable = parseLineBody(bodyOf(line));
    const fromText = parseLine(line);
    if (fromTable.kind !== 'device' || fromText.kind !== 'device') throw new Error('expected device lines');
    const tableRegistry = createDeviceRegistry();
    const textRegistry = createDeviceRegistry();
    const merged = mergeAndCommit(tableRegistry, fromTable.message, arrival);
    const want = mergeAndCommit(textRegistry, fromText.message, arrival);
    if (!merged.ok || !want.ok) throw new Error('expected accepted lines');
    expect(merged.freshTable?.table.count).toBe(TABLE_MIN_CHANNELS + 5);
    expect(want.freshTable).toBeUndefined();
    // The registry's states (made when first read, from the columns): the ones the text makes.
    const states = (registry: typeof tableRegistry) => [...registry.get('wide')!.channels];
    expect(states(tableRegistry)).toEqual(states(textRegistry));
    // The store's windows made from the columns are the ones the effects make.
    const fromColumns: LiveWindows = new Map();
    const fromEffects: LiveWindows = new Map();
    applyMergeToWindows(fromColumns, merged);
    applyMergeToWindows(fromEffects, want);
    expect(fromColumns).toEqual(fromEffects);
    expect(merged.effects).toEqual(want.effects);
    // A second line of the device is merged channel by channel (its channels were seen).
    const again = mergeDevice(tableRegistry, fromTable.message, arrival);
    expect(again.ok).toBe(true);
    expect(again.ok && again.freshTable).toBeUndefined();
  });
});
