/**
 * What `rex run` says at its end at info (pure): how long the run took; per iteration, each
 * device with its channels, their units and counts, the results with pass or fail, the output
 * file and its size; and what became of the journal. `rex show` prints the same lines for a
 * file (summaryDataLines, outputLine).
 */
import { type ChannelSummary, type IterationSummary, SUMMARY_CHANNELS } from '../../actors/store/index.js';
import { formatBytes, plural } from '../../protocol/human-units.js';

export interface SummaryIteration {
  loop: number;
  /** What the store saw of it (undefined if it could not tell: e.g. it was restarted meanwhile). */
  summary?: IterationSummary;
  /** The output file and its size (null: none written, e.g. a dry run). */
  output: { file: string; bytes: number | null } | null;
}

export interface RunSummaryInput {
  durationMs: number;
  loops: number;
  dryRun: boolean;
  iterations: SummaryIteration[];
}

export function runSummaryLines(input: RunSummaryInput): string[] {
  const lines = [`the run took ${formatDuration(input.durationMs)}`];
  for (const it of input.iterations) {
    const indent = input.loops > 1 ? '    ' : '  ';
    if (input.loops > 1) lines.push(`  loop ${it.loop + 1}/${input.loops}:`);
    lines.push(...iterationLines(it, input.dryRun).map((line) => indent + line));
  }
  return lines;
}

function iterationLines(it: SummaryIteration, dryRun: boolean): string[] {
  const lines = it.summary ? summaryDataLines(it.summary) : [];
  if (it.output) lines.push(outputLine(it.output.file, it.output.bytes));
  else lines.push(dryRun ? 'no output file (dry run)' : 'no output file');
  return lines;
}

/**
 * What an iteration holds: the store's summary at the end of `rex run`, or what an output file
 * holds (`rex show`, which cannot know how many messages there were).
 */
export interface SummaryData {
  messages?: number;
  /** `channelCount`: how many channels the device has, when `channels` lists only the first. */
  devices: readonly { name: string; channels: readonly ChannelSummary[]; channelCount?: number }[];
  /** `pass` undefined: the result has no status (possible in a file). */
  results: readonly { name: string; pass: boolean | undefined }[];
}

/** The device lines (each with its channels, units and counts) and the results line. */
export function summaryDataLines(summary: SummaryData): string[] {
  const lines: string[] = [];
  if (summary.devices.length === 0) {
    if (summary.messages === undefined) lines.push('no data received');
    // A first run of a script that does not use a rex client yet ends here.
    else if (summary.messages === 0) lines.push(`no data received (0 messages): ${NOTHING_SENT_HINT}`);
    else lines.push(`no data received (${plural(summary.messages, 'message')})`);
  }
  for (const device of summary.devices) lines.push(deviceLine(device.name, device.channels, device.channelCount));
  if (summary.results.length > 0) {
    const status = (pass: boolean | undefined) => (pass === undefined ? 'no status' : pass ? 'pass' : 'FAIL');
    lines.push(`results: ${summary.results.map((r) => `${r.name} ${status(r.pass)}`).join(', ')}`);
  }
  return lines;
}

const NOTHING_SENT_HINT =
  'the script sent rex no line; a script sends its data through a rex client, to the port rex gives it in REX_PORT (docs/python-client.md)';

export function outputLine(file: string, bytes: number | null): string {
  return `output file: ${file}${bytes === null ? '' : ` (${formatBytes(bytes)})`}`;
}

function deviceLine(name: string, channels: readonly ChannelSummary[], channelCount = channels.length): string {
  const listed = channels.slice(0, SUMMARY_CHANNELS).map(channelText);
  const more = channelCount - listed.length;
  return `device ${name}: ${listed.join(', ')}${more > 0 ? `, and ${more} more channels` : ''}`;
}

function channelText(channel: ChannelSummary): string {
  const noun = channel.shape === 'multi' ? 'row' : 'value';
  return `${channel.name} [${channel.unit}] ${plural(channel.count, noun)}`;
}

/** What became of the journal; a kept one says what it is kept for: rows the database lacks, or the output. */
export function journalLine(state: 'removed' | 'kept', journalDir: string, left: 'clickhouse' | null = null): string {
  if (state === 'removed') return `journal removed (${journalDir})`;
  const use =
    left === 'clickhouse'
      ? `\`rex db push ${journalDir}\` stores the rest in ClickHouse`
      : `\`rex recover ${journalDir}\` rebuilds the output from it`;
  return `journal kept in ${journalDir} (${use})`;
}

/** `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 01 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}
