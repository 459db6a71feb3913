/**
 * `rex show FILE [--channel DEVICE/CHANNEL] [--no-plot]`: a run's session, the summary `rex run`
 * prints at its end, and a terminal plot of one channel (the TUI's chart), read from its output
 * file (docs/export.md).
 */
import path from 'node:path';
import type { ChannelEntry, TomlValue } from '../protocol/run-file/model.js';
import { openRunFile } from '../runtime/run-file/open-run-file.js';
import type { RunFile } from '../runtime/run-file/run-file.js';
import { isRunOutput, runListEntry } from '../runtime/run-file/list-runs.js';
import { tomlFloat } from '../protocol/output/toml-values.js';
import { outputLine, summaryDataLines } from '../host/run/run-summary.js';
import { EXIT, UsageError } from './exit-codes.js';
import { durationText, localTime, statusText } from './run-text.js';
import { channelPlotLines } from './show-plot.js';

export interface ShowOptions {
  channel?: string;
  plot: boolean;
}

export async function showCommand(file: string, options: ShowOptions): Promise<number> {
  const run = await openRunFile(path.resolve(file));
  try {
    if (!isRunOutput(run)) throw new UsageError(`${file}: not a run's output file (no [session] times, no channel data)`);
    const channel = pickChannel(run, options.channel);
    const out = [...sessionLines(run), '', ...dataLines(run, file)];
    process.stdout.write(`${out.join('\n')}\n`);
    if (options.plot && channel) {
      const width = process.stdout.columns || 80;
      process.stdout.write(`\n${(await channelPlotLines(run, channel, width)).join('\n')}\n`);
    } else if (options.plot) {
      process.stdout.write('\nno channel to plot\n');
    }
  } finally {
    await run.close();
  }
  return EXIT.ok;
}

/** `--channel DEVICE/CHANNEL` (names may hold `/` themselves: the whole text is matched), or the first channel. */
function pickChannel(run: RunFile, wanted: string | undefined): ChannelEntry | undefined {
  const channels = run.devices.flatMap((d) => d.channels);
  if (wanted === undefined) return channels[0];
  const found = channels.find((c) => `${c.device}/${c.name}` === wanted);
  if (found) return found;
  const names = channels.map((c) => `${c.device}/${c.name}`).join(', ');
  throw new UsageError(`no channel ${wanted} in ${run.path}; its channels: ${names || 'none'}`);
}

function sessionLines(run: RunFile): string[] {
  const entry = runListEntry(run);
  const info = run.session.info;
  const text = (v: TomlValue | undefined) => (v === undefined ? undefined : typeof v === 'string' ? v : valueText(v));
  const who = [text(info.name), info.email === undefined ? undefined : `<${text(info.email)}>`].filter(Boolean).join(' ');
  const meta = info.meta;
  const fields: [string, string | undefined][] = [
    ['session', entry.session ?? undefined],
    ['description', text(info.session_description)],
    ['who', who || undefined],
    ['uuid', entry.uuid ?? undefined],
    ['start', entry.start === null ? run.session.startTime : localTime(entry.start, true)],
    ['end', entry.running ? '(running)' : entry.end === null ? run.session.endTime : localTime(entry.end, true)],
    ['duration', durationText(entry)],
    ['status', statusText(entry)],
    [
      'meta',
      meta && typeof meta === 'object' && !Array.isArray(meta)
        ? Object.entries(meta)
            .map(([k, v]) => `${k} = ${valueText(v)}`)
            .join(', ') || undefined
        : undefined,
    ],
  ];
  return fields.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(12)}${v}`);
}

/** The end-of-run summary's lines for the file: devices, channels, counts, results, the file. */
function dataLines(run: RunFile, file: string): string[] {
  const devices = run.devices.map((d) => ({
    name: d.name,
    channels: d.channels.map((c) => ({
      name: c.name,
      unit: c.unit,
      shape: c.shape === 'trace' ? ('multi' as const) : ('single' as const),
      count: c.count,
    })),
  }));
  return [...summaryDataLines({ devices, results: run.results }), outputLine(file, run.bytes)];
}

/** A TOML value as it reads in TOML: strings quoted, numbers and booleans bare, arrays, inline tables. */
function valueText(value: TomlValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if (typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k} = ${valueText(v)}`)
      .join(', ')} }`;
  return typeof value === 'number' ? tomlFloat(value) : String(value);
}
