// Compatibility replay (SPEC §1–5): every wire capture of the official client against the original
// rex (reference/captures/*.log) is replayed through `rex run` by a Python script that opens one
// socket per recorded client port and compares each reply byte for byte; then the output file
// must hold everything the capture sent.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { PY_FIXTURES, REPO_ROOT, freePort, runRex, workspace, type TomlTable } from '../helpers/rex-cli.js';

/** Generous: these spawn rex and python, and the whole suite shares two cores. */
const SYSTEM_TEST_TIMEOUT_MS = 120_000;

const CAPTURES_DIR = path.join(REPO_ROOT, 'test/fixtures/reference/captures');
const CAPTURES = fs
  .readdirSync(CAPTURES_DIR)
  .filter((f) => f.endsWith('.log'))
  .sort();
const REPLAYER = path.join(PY_FIXTURES, 'replay_capture.py');

interface CaptureLine {
  port: string;
  direction: '>>' | '<<';
  text: string;
}

function readCapture(file: string): CaptureLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((raw) => {
      const match = raw.match(/^(\d+) (>>|<<) (.*)$/);
      if (!match) throw new Error(`${file}: not a capture line: ${raw.slice(0, 80)}`);
      return { port: match[1]!, direction: match[2] as '>>' | '<<', text: match[3]! };
    });
}

type Json = Record<string, unknown>;
const parseJson = (text: string): Json | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
};

interface ExpectedChannel {
  unit: string;
  /** Single: the values; Multi: the rows. */
  data: number[] | number[][];
  /** Timestamps expected: one per value (Single) or per row (Multi). */
  entries: number;
}

interface ExpectedDevice {
  config: Json;
  channels: Map<string, ExpectedChannel>;
}

/**
 * What the output must hold for the capture's device lines (SPEC §4): config frozen at the first
 * message; a channel whose first two non-empty flat messages have the same length k > 1 becomes
 * rows, one per message; otherwise values concatenate.
 */
function expectedDevices(lines: CaptureLine[]): Map<string, ExpectedDevice> {
  const messages = new Map<string, { config: Json; channels: Map<string, { unit: string; parts: number[][] }> }>();
  for (const line of lines) {
    if (line.direction !== '>>') continue;
    const json = parseJson(line.text);
    if (!json || typeof json.device_name !== 'string') continue;
    let device = messages.get(json.device_name);
    if (!device) {
      device = { config: json.device_config as Json, channels: new Map() };
      messages.set(json.device_name, device);
    }
    for (const [name, measurement] of Object.entries(json.measurements as Record<string, { data: unknown[]; unit: string }>)) {
      if (measurement.data.some((v) => typeof v !== 'number')) throw new Error(`capture has rows in ${name}: extend this test`);
      let channel = device.channels.get(name);
      if (!channel) {
        channel = { unit: measurement.unit, parts: [] };
        device.channels.set(name, channel);
      }
      channel.parts.push(measurement.data as number[]);
    }
  }
  const expected = new Map<string, ExpectedDevice>();
  for (const [name, device] of messages) {
    const channels = new Map<string, ExpectedChannel>();
    for (const [channelName, { unit, parts }] of device.channels) {
      const nonEmpty = parts.filter((p) => p.length > 0);
      const becomesRows = nonEmpty.length >= 2 && nonEmpty[0]!.length > 1 && nonEmpty[0]!.length === nonEmpty[1]!.length;
      if (becomesRows) {
        if (nonEmpty.length !== parts.length) throw new Error(`capture mixes empty and full traces in ${channelName}: extend this test`);
        channels.set(channelName, { unit, data: parts, entries: parts.length });
      } else {
        const values = parts.flat();
        channels.set(channelName, { unit, data: values, entries: values.length });
      }
    }
    expected.set(name, { config: device.config, channels });
  }
  return expected;
}

type Replay = Awaited<ReturnType<typeof runReplay>>;
const replays = new Map<string, Promise<Replay>>();

/** Replays one capture through `rex run` (once per capture: later tests reuse the result). */
function replay(capture: string): Promise<Replay> {
  let result = replays.get(capture);
  if (!result) {
    result = runReplay(capture);
    replays.set(capture, result);
  }
  return result;
}

/** The output file's text, the transcript and rex's output, read before the workspace goes. */
async function runReplay(capture: string) {
  const ws = workspace();
  const mismatchFile = path.join(ws.dir, 'mismatches.jsonl');
  const transcriptFile = path.join(ws.dir, 'transcript.jsonl');
  const result = await runRex(ws, ['run', REPLAYER, '-P', String(await freePort()), '-o', ws.outputDir], {
    env: { REXT_CAPTURE: path.join(CAPTURES_DIR, capture), REXT_MISMATCH_FILE: mismatchFile, REXT_TRANSCRIPT: transcriptFile },
  });
  const mismatches = fs.existsSync(mismatchFile)
    ? fs
        .readFileSync(mismatchFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : null;
  const transcript = fs.existsSync(transcriptFile)
    ? fs
        .readFileSync(transcriptFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { port: string; sent: string; reply: string })
    : [];
  const match = result.stdout.match(/output file: (.+)/);
  const outputFile = match ? match[1]!.trim() : null;
  const outputText = outputFile && fs.existsSync(outputFile) ? fs.readFileSync(outputFile, 'utf8') : null;
  return { result, mismatches, transcript, outputFile, outputText, log: result.stdout + result.stderr };
}

describe('replaying the captures of the official client', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it('there are captures to replay', () => {
    expect(CAPTURES).toEqual(
      expect.arrayContaining(['rex_utils_example_measurement.log', 'rex_utils_listener_pause_resume.log', 'spcs_example_py.log']),
    );
  });

  for (const capture of CAPTURES) {
    it(`${capture}: every reply byte for byte, and the output file holds all the data`, async () => {
      const lines = readCapture(path.join(CAPTURES_DIR, capture));
      const { result, mismatches, transcript, outputFile, outputText, log } = await replay(capture);
      expect(mismatches, log).toEqual([]);
      expect(result.code, log).toBe(0);
      expect(transcript).toHaveLength(lines.filter((l) => l.direction === '>>').length);
      expect(new Set(transcript.map((t) => t.port))).toEqual(new Set(lines.map((l) => l.port)));
      expect(outputText, log).not.toBeNull();
      const doc = parseToml(outputText!) as TomlTable;

      // The Listener's answers, in order, as recorded (the pause/resume capture).
      const isListener = (text: string): boolean => parseJson(text)?.name === 'Session Listener';
      const recordedListener = lines.flatMap((l, i) =>
        l.direction === '>>' && isListener(l.text)
          ? [`${lines.slice(i + 1).find((r) => r.port === l.port && r.direction === '<<')!.text}\n`]
          : [],
      );
      expect(transcript.filter((t) => isListener(t.sent)).map((t) => t.reply)).toEqual(recordedListener);

      // The session (the first one sent), or none.
      const session = lines.map((l) => (l.direction === '>>' ? parseJson(l.text) : undefined)).find((j) => j?.info !== undefined);
      expect(doc.session.UUID).toMatch(/^[0-9a-f-]{36}$/);
      expect(doc.session.start_time).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(doc.session.end_time).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (session) {
        expect(doc.session.info).toEqual(session.info);
        expect(path.basename(outputFile!).startsWith(`${String((session.info as Json).session_name).replace(/[ /]/g, '_')}_`)).toBe(true);
      } else {
        expect(doc.session.info).toBeUndefined();
      }

      // Every device message's values, in order per channel.
      const devices = expectedDevices(lines);
      expect(Object.keys(doc.device ?? {}).sort()).toEqual([...devices.keys()].sort());
      for (const [name, device] of devices) {
        const table = doc.device[name] as TomlTable;
        const { data, timestamps, device_name: deviceName, ...config } = table;
        expect(deviceName).toBe(name);
        expect(config).toEqual(device.config);
        expect(Object.keys(data).sort()).toEqual([...device.channels.keys()].sort());
        expect(Object.keys(timestamps).sort()).toEqual([...device.channels.keys()].sort());
        for (const [channelName, channel] of device.channels) {
          expect(data[channelName], `${name}.${channelName}`).toEqual({ data: channel.data, unit: channel.unit });
          expect(timestamps[channelName], `${name}.${channelName} timestamps`).toHaveLength(channel.entries);
        }
      }
    });
  }

  it('device_config numbers keep their JSON type: 1.0 stays a TOML float, 64 an integer (SPEC §5 "verbatim")', async () => {
    // spcs_example_py.log sends "gate_time": 1.0, "set_point": 3.0, "initial_wavelength": 500.0.
    const capture = 'spcs_example_py.log';
    const lines = readCapture(path.join(CAPTURES_DIR, capture));
    const { result, outputText, log } = await replay(capture);
    expect(result.code, log).toBe(0);
    const toml = outputText!;
    const checked: string[] = [];
    for (const [name, device] of expectedDevices(lines)) {
      const raw = lines.find((l) => l.direction === '>>' && parseJson(l.text)?.device_name === name)!.text;
      const configText = raw.slice(raw.indexOf('"device_config"'), raw.indexOf('"measurements"'));
      const section = tomlSection(toml, `[device.${name}]`);
      for (const [key, value] of Object.entries(device.config)) {
        if (typeof value !== 'number') continue;
        const jsonToken = configText.match(new RegExp(`"${key}": (-?[0-9.eE+-]+)`))![1]!;
        const tomlToken = section.match(new RegExp(`^${key} = (\\S+)$`, 'm'))?.[1];
        const jsonIsFloat = /[.eE]/.test(jsonToken);
        checked.push(`${name}.${key}: JSON ${jsonToken} → TOML ${tomlToken}`);
        expect(tomlToken !== undefined && /[.eE]|inf|nan/.test(tomlToken), checked.join('\n')).toBe(jsonIsFloat);
      }
    }
    expect(checked.length).toBeGreaterThan(3);
  });
});

/** The lines of one `[table]` of a TOML text, up to the next table header. */
function tomlSection(toml: string, header: string): string {
  const start = toml.indexOf(`${header}\n`);
  if (start === -1) throw new Error(`no ${header} in the output`);
  const rest = toml.slice(start + header.length + 1);
  const next = rest.search(/^\[/m);
  return next === -1 ? rest : rest.slice(0, next);
}
