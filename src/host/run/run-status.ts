/**
 * The status line of `rex run` at info (pure): elapsed time, messages, values, rate, devices,
 * paused or running. Built from the store's totals a few times a second, never per line.
 */
import type { StoreStatus } from '../../actors/store/index.js';
import { formatCount, plural } from '../../protocol/human-units.js';

export type CurrentStatus = NonNullable<StoreStatus['current']>;

/** The line; `current` null: no iteration has begun yet. */
export function statusLine(elapsedMs: number, current: CurrentStatus | null, messagesPerSecond: number | null): string {
  const parts = [formatElapsed(elapsedMs)];
  if (!current) return [...parts, 'no iteration yet'].join(' · ');
  if (current.loops > 1) parts.push(`loop ${current.loop + 1}/${current.loops}`);
  parts.push(
    plural(current.messages, 'message'),
    plural(current.values, 'value'),
    `${messagesPerSecond === null ? '–' : formatRate(messagesPerSecond)} msg/s`,
    plural(current.devices, 'device'),
    current.ended ? 'saving' : current.paused ? 'PAUSED' : 'running',
  );
  return parts.join(' · ');
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1);
}

/**
 * Messages per second over about the last `windowMs` (at least over the previous sample). A new
 * iteration (or a store that started again from zero) starts the measure afresh.
 */
export class RateMeter {
  private samples: { atMs: number; messages: number }[] = [];
  private loop = -1;

  constructor(private readonly windowMs = 2_000) {}

  /** Adds a sample; returns the rate, or null while there is nothing to compare with. */
  add(atMs: number, loop: number, messages: number): number | null {
    const last = this.samples.at(-1);
    if (loop !== this.loop || (last && messages < last.messages)) this.samples = [];
    this.loop = loop;
    this.samples.push({ atMs, messages });
    while (this.samples.length > 2 && atMs - this.samples[1]!.atMs >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (atMs - first.atMs) / 1000;
    return this.samples.length < 2 || seconds <= 0 ? null : (messages - first.messages) / seconds;
  }
}

/**
 * The status line drawn in place on a terminal: one line, cut to the terminal's width (a wrapped
 * line could not be redrawn), cleared before a log line is printed and drawn again below it.
 */
export class TerminalStatus {
  private line = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
  ) {}

  /** Draws `line` in place of the last one (nothing is written when it did not change). */
  draw(line: string): void {
    const cut = fitWidth(line, this.columns());
    if (cut === this.line) return;
    this.line = cut;
    this.write(`\r${cut}\x1b[K`);
  }

  /** Prints a log line above the status line, in one write. */
  print(logLine: string): void {
    this.write(this.line ? `\r\x1b[K${logLine}\n${this.line}` : `${logLine}\n`);
  }

  /** Leaves the terminal as if no status line had been there. */
  clear(): void {
    if (this.line) this.write('\r\x1b[K');
    this.line = '';
  }
}

/** Cut to leave the last column free: a line filling it would wrap on some terminals. */
function fitWidth(line: string, columns: number): string {
  const width = Math.max(10, columns - 1);
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
