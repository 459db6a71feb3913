/**
 * Generative fuzz test of the wire protocol against a real `rex run` (issue "Prove fail-safe").
 * A seeded generator writes over 10,000 lines — valid messages, mutations of valid messages (byte
 * flips, truncation, duplication, type swaps, key games) and random bytes — onto a few
 * connections, pipelined and cut into writes of random sizes, while the steady client streams.
 *
 * Expectations come from the real parser (src/protocol/parse.ts) applied to each line as rex
 * frames it: exactly one reply per non-blank line, in order, each one of the replies allowed for
 * that line's kind; every device line answered `Device measurements recorded` is in the output
 * file (per device and channel: the unit of its first accepted message and every value, in send
 * order when one connection wrote the device). The seed is printed; REX_FUZZ_SEED=<n> replays it.
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/protocol/parse.js';
import type { ChannelData, ParsedLine } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import type { TomlTable } from '../helpers/rex-cli.js';
import { mibInKb, startSteadyRun } from '../helpers/steady-run.js';
import { type Random, seededRandom } from '../helpers/random.js';

const LINES_PER_RUN = 10_500;
const CONNECTIONS = 4;
const SEED = process.env.REX_FUZZ_SEED ? Number(process.env.REX_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

// -------------------------------------------------------------------------------------------
// Helpers over the seeded PRNG (replayable with REX_FUZZ_SEED)

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

// -------------------------------------------------------------------------------------------
// Valid messages

const DEVICES = ['fz_scope', 'fz_cryo', 'fz_laser', 'fz_stage', 'fz_meter'] as const;
const UNITS = ['V', 'A', 'K', 'nm', 'count'] as const;

/** Number tokens as clients write them, Python's non-finite tokens included. */
function numberToken(random: Random): string {
  switch (int(random, 12)) {
    case 0:
      return pick(random, ['NaN', 'Infinity', '-Infinity', '-0', '0', '1e308', '-1e-308', '5e-324']);
    case 1:
      return String(int(random, 2000) - 1000);
    default:
      return String((random() - 0.5) * 10 ** int(random, 12));
  }
}

function dataToken(random: Random): string {
  const numbers = (count: number): string => Array.from({ length: count }, () => numberToken(random)).join(',');
  switch (int(random, 6)) {
    case 0:
      return `[${numbers(1)}]`;
    case 1:
      return `[${numbers(int(random, 6))}]`;
    case 2: {
      const cols = 1 + int(random, 5);
      return `[${Array.from({ length: 1 + int(random, 3) }, () => `[${numbers(cols)}]`).join(',')}]`;
    }
    case 3: {
      const values = new Float64Array(Array.from({ length: 1 + int(random, 6) }, () => (random() - 0.5) * 1e6));
      return `{"f64":"${Buffer.from(values.buffer).toString('base64')}","shape":[${values.length}]}`;
    }
    default:
      return `[${numbers(1 + int(random, 3))}]`;
  }
}

/** `connection` picks the devices: each connection writes its own, so their order is known. */
function validMessage(random: Random, connection: number): string {
  const roll = random();
  if (roll < 0.62) {
    const base = pick(random, DEVICES);
    const device = `${base}${connection}`;
    const channels = Array.from({ length: 1 + int(random, 3) }, () => {
      // A channel's unit is fixed per device and channel name, so most messages merge.
      const index = int(random, UNITS.length);
      const name = `${base.slice(3, 6)}_${index}`;
      const timestamps = random() < 0.1 ? `,"timestamps":["2026-01-16T06:35:32.423257Z"]` : '';
      return `"${name}":{"data":${dataToken(random)},"unit":"${UNITS[index]}"${timestamps}}`;
    });
    const config = `{"gain":${numberToken(random)},"mode":"${pick(random, ['fast', 'slow'])}","nested":{"a":[1,2,{"b":null}]}}`;
    return `{"device_name":"${device}","device_config":${config},"measurements":{${channels.join(',')}}}`;
  }
  if (roll < 0.75) return '{"name":"Session Listener","id":"43534q5awtdzfg2353qa354"}';
  if (roll < 0.83) {
    const bounds = random() < 0.5 ? ',"lower_bound":0,"ub":10' : ',"result_lower_bound":-1';
    return `{"result_name":"fit_${int(random, 4)}","result_description":"fit","result_status":${random() < 0.5},"result_value":${numberToken(random)}${bounds},"result_meta":{"figure":"f.png"}}`;
  }
  if (roll < 0.9) {
    return '{"info":{"name":"Fuzz","email":"f@x.org","experiment_name":"Fuzzed","session_description":"d","meta":{"k":[1,"a",null]}}}';
  }
  return pick(random, ['GET_DATASTREAM', 'STATE', 'PAUSE_STATE', 'RESUME_STATE', 'STATE', 'RESUME_STATE']);
}

// -------------------------------------------------------------------------------------------
// Mutations

const SWAP_VALUES: unknown[] = ['str', 42, -1.5, true, false, null, [], {}, [1, 'a'], { x: [null] }, [[1], 2], '', 1e300];

function typeSwap(random: Random, text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) {
        slots.push({ parent: node, key: i });
        walk(child);
      }
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        slots.push({ parent: node as Record<string, unknown>, key });
        walk(child);
      }
    }
  };
  walk(value);
  if (slots.length === 0) return text;
  const slot = pick(random, slots);
  const roll = random();
  if (roll < 0.7) (slot.parent as Record<string | number, unknown>)[slot.key] = pick(random, SWAP_VALUES);
  else if (roll < 0.85 && !Array.isArray(slot.parent)) delete slot.parent[slot.key as string];
  else if (!Array.isArray(slot.parent))
    slot.parent[pick(random, ['__proto__', 'constructor', '', 'lb', 'upper_bound', 'test_name', 'k'.repeat(300)])] = pick(
      random,
      SWAP_VALUES,
    );
  return JSON.stringify(value);
}

function mutate(random: Random, line: string): Buffer {
  const bytes = Buffer.from(line);
  switch (int(random, 7)) {
    case 0: {
      // Byte flips (a flip may make a newline: then one line becomes two).
      const out = Buffer.from(bytes);
      for (let i = 0, n = 1 + int(random, 3); i < n && out.length > 0; i++) out[int(random, out.length)] = int(random, 256);
      return out;
    }
    case 1:
      return bytes.subarray(0, int(random, bytes.length));
    case 2: {
      const from = int(random, bytes.length);
      const piece = bytes.subarray(from, from + 1 + int(random, 40));
      const at = int(random, bytes.length);
      return Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
    }
    case 3:
    case 4:
      return Buffer.from(typeSwap(random, line));
    case 5: {
      // An escape sequence at the start of some string (a name, a unit, a key).
      const quotes = [...line.matchAll(/"/g)].map((match) => match.index);
      const at = quotes.length > 0 ? pick(random, quotes) + 1 : 0;
      const escapeText = pick(random, ['\\u0000', '\\u00e9', '\\ud83d\\ude00', '\\n', '\\"', '\\/', '\\x41', '\\u12']);
      return Buffer.from(line.slice(0, at) + escapeText + line.slice(at));
    }
    default: {
      const at = int(random, bytes.length);
      return Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(pick(random, [' ', '\t', '\r', '\u00a0', '\\', '"', '{', ']', ','])),
        bytes.subarray(at),
      ]);
    }
  }
}

function randomBytes(random: Random): Buffer {
  const out = Buffer.alloc(1 + int(random, 120));
  for (let i = 0; i < out.length; i++) out[i] = random() < 0.3 ? 0x20 + int(random, 95) : int(random, 256);
  return out;
}

/** One connection's byte stream: generated lines, each ended by `\n` (sometimes `\r\n`), with blank lines. */
function generateStream(random: Random, connection: number, lineCount: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < lineCount; i++) {
    const roll = random();
    let line: Buffer;
    if (roll < 0.4) line = Buffer.from(validMessage(random, connection));
    else if (roll < 0.8) line = mutate(random, validMessage(random, connection));
    else if (roll < 0.97) line = randomBytes(random);
    else line = Buffer.from(pick(random, ['', '   ', '\t\r']));
    parts.push(line, Buffer.from(random() < 0.1 ? '\r\n' : '\n'));
  }
  return Buffer.concat(parts);
}

// -------------------------------------------------------------------------------------------
// Expectations: frame like rex (SPEC §1: split at \n, trim, skip empty), classify with parseLine

const isSpace = (byte: number): boolean => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

function frame(stream: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < stream.length) {
    let end = stream.indexOf(0x0a, start);
    if (end === -1) end = stream.length;
    let a = start;
    let b = end;
    while (a < b && isSpace(stream[a]!)) a++;
    while (b > a && isSpace(stream[b - 1]!)) b--;
    if (b > a) lines.push(stream.subarray(a, b));
    start = end + 1;
  }
  return lines;
}

function classify(line: Buffer): ParsedLine {
  if (!isUtf8(line)) return { kind: 'invalid', reason: 'not UTF-8' };
  return parseLine(line.toString('utf8'));
}

/** Why `reply` is not an allowed answer to `parsed` ('' when it is). */
function replyProblem(parsed: ParsedLine, reply: string): string {
  const allowed: Record<ParsedLine['kind'], (r: string) => boolean> = {
    invalid: (r) => r === 'Invalid format',
    device: (r) => r === 'Device measurements recorded' || r.startsWith('Invalid format: '),
    session: (r) => r === 'Session configuration processed',
    listener: (r) => r === 'Running' || r === 'Paused',
    result: (r) => r === 'Session results processed',
    command: (r) => {
      if (parsed.kind !== 'command') return false;
      switch (parsed.command) {
        case 'GET_DATASTREAM':
        case 'GET_DATASTREAM_FULL':
          return r.startsWith('{');
        case 'STATE':
          return r.startsWith('{"entities":');
        case 'PAUSE_STATE':
          return r === 'Setting internal server state to paused...';
        case 'RESUME_STATE':
          return r === 'Setting internal server state to start...';
        case 'KILL':
          return false;
      }
    },
  };
  return allowed[parsed.kind](reply) ? '' : `${parsed.kind} line answered ${JSON.stringify(reply.slice(0, 200))}`;
}

/** Values stored per device and channel, in the order accepted on each connection. */
interface ExpectedChannel {
  unit: string;
  values: number[];
  connections: Set<number>;
}

function flatten(data: ChannelData): number[] {
  return data.shape === 'single' ? [...data.values] : data.rows.flatMap((row) => [...row]);
}

/** Numbers compared by identity of value: NaN equals NaN, -0 is told from 0. */
const valueKey = (value: number): string => (Number.isNaN(value) ? 'NaN' : Object.is(value, -0) ? '-0' : String(value));

function storedValues(channel: TomlTable): number[] {
  const data = channel.data as Array<number | number[]>;
  return data.flatMap((item) => (Array.isArray(item) ? item : [item]));
}

// -------------------------------------------------------------------------------------------

describe('fuzzing the wire protocol', () => {
  it(`${LINES_PER_RUN} generated lines on ${CONNECTIONS} connections: one allowed reply per line, in order; accepted data all stored`, {
    timeout: 120_000,
  }, async () => {
    console.log(`[fuzz] seed ${SEED} (replay with REX_FUZZ_SEED=${SEED})`);
    const random = seededRandom(SEED);
    const streams = Array.from({ length: CONNECTIONS }, (_, c) => generateStream(random, c, Math.ceil(LINES_PER_RUN / CONNECTIONS)));
    const framed = streams.map(frame);
    // A line that is exactly KILL would end the run: the generator cannot write it, check anyway.
    expect(framed.flat().some((line) => line.toString('latin1') === 'KILL')).toBe(false);

    const run = await startSteadyRun();
    const started = Date.now();
    const replies = await Promise.all(
      streams.map(async (stream, index) => {
        const client = await RawClient.connect(run.port);
        const reading = client.readLines(framed[index]!.length, 90_000);
        // Pipelined, in writes of random sizes (lines split anywhere); one generator per
        // connection, so the cuts replay exactly whatever order the writes complete in.
        const cuts = seededRandom(SEED + 1 + index);
        for (let at = 0; at < stream.length; ) {
          const size = 1 + int(cuts, 16 * 1024);
          await client.write(stream.subarray(at, at + size));
          at += size;
        }
        const lines = await reading;
        client.destroy();
        return lines;
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    const problems: string[] = [];
    const expected = new Map<string, Map<string, ExpectedChannel>>();
    const acceptedDevices = new Set<string>();
    let answered = 0;
    for (let c = 0; c < CONNECTIONS; c++) {
      const lines = framed[c]!;
      expect(replies[c], `connection ${c}: one reply per non-blank line`).toHaveLength(lines.length);
      lines.forEach((line, i) => {
        const parsed = classify(line);
        const reply = replies[c]![i]!;
        const problem = replyProblem(parsed, reply);
        if (problem) problems.push(`connection ${c} line ${i} (${JSON.stringify(line.toString('utf8').slice(0, 120))}): ${problem}`);
        if (parsed.kind === 'device' && reply === 'Device measurements recorded') {
          const { device_name: device, channels } = parsed.message;
          acceptedDevices.add(device);
          const byChannel = expected.get(device) ?? new Map<string, ExpectedChannel>();
          expected.set(device, byChannel);
          for (const channel of channels) {
            const entry = byChannel.get(channel.name) ?? { unit: channel.unit, values: [], connections: new Set<number>() };
            byChannel.set(channel.name, entry);
            entry.values.push(...flatten(channel.data));
            entry.connections.add(c);
          }
        }
        answered++;
      });
    }
    const sharedDevices = [...expected.values()].filter((channels) => [...channels.values()].some((e) => e.connections.size > 1)).length;
    console.log(
      `[fuzz] ${answered} lines answered in ${seconds.toFixed(1)} s; ${acceptedDevices.size} devices accepted (${sharedDevices} written from several connections)`,
    );
    expect(answered).toBeGreaterThanOrEqual(10_000);
    expect.soft(problems.slice(0, 20), `${problems.length} replies not allowed for their line`).toEqual([]);

    const outcome = await run.finish();
    const devices = outcome.toml.device as TomlTable;
    expect
      .soft(
        Object.keys(devices)
          .filter((name) => name !== 'steady')
          .sort(),
      )
      .toEqual([...acceptedDevices].sort());
    for (const [device, channels] of expected) {
      for (const [name, want] of channels) {
        const stored = devices[device]?.data?.[name] as TomlTable | undefined;
        const where = `device ${JSON.stringify(device)} channel ${JSON.stringify(name)}`;
        if (!stored) {
          if (want.values.length > 0) problems.push(`${where}: missing from the output file`);
          continue;
        }
        expect.soft(stored.unit, `${where}: unit`).toBe(want.unit);
        const got = storedValues(stored).map(valueKey);
        const sent = want.values.map(valueKey);
        // One connection: exact order. Several: their lines interleave, so compare as multisets.
        if (want.connections.size === 1) expect.soft(got, `${where}: values in order`).toEqual(sent);
        else expect.soft([...got].sort(), `${where}: values`).toEqual([...sent].sort());
        expect
          .soft(devices[device].timestamps[name], `${where}: one timestamp per value or row`)
          .toHaveLength((stored.data as unknown[]).length);
      }
    }
    expect.soft(problems.slice(20), 'further problems').toEqual([]);
    // Not a latency test (this is a flood): the figures are printed, memory and the data are checked.
    expect(outcome.code, outcome.log).toBe(0);
    const n: number[] = devices.steady.data.n.data;
    expect(n).toEqual(Array.from({ length: outcome.acked }, (_, i) => i));
    console.log(
      `[fuzz] steady client: ${outcome.acked} replies, latency p50 ${outcome.latency.p50.toFixed(1)} ms, p99 ${outcome.latency.p99.toFixed(1)} ms, max ${outcome.latency.max.toFixed(1)} ms`,
    );
    expect(outcome.rssPeakKb - outcome.rssBaselineKb, 'RSS growth of rex and its children (kB)').toBeLessThanOrEqual(mibInKb(200));
  });
});
