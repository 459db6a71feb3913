/**
 * Writes one iteration's output: the live file while the run goes on, the final file at the end.
 * A live write re-renders the whole file, so it is spaced out by ten times its own duration (at
 * least every 3 s, as the original): the share of CPU it takes stays flat however big the run gets.
 * The first comes 3 s in, as the original's did: written at once, it fell in the first burst of
 * data and rendered it at the same time as the run was taking it in.
 */
import path from 'node:path';
import { renderOutput } from '../../protocol/output/render.js';
import { linkOrCopyAtomically, writeFileAtomically } from '../../runtime/atomic-file.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';
import { JournalFollower } from '../../runtime/journal/follower.js';
import type { TailedJournal } from '../../runtime/worker/journal-tail.js';
import { FloatFormatPool } from './float-format-pool.js';
import { OwnOutputFile } from './own-output-file.js';
import { RunOutput } from './run-output.js';

export const LIVE_MIN_INTERVAL_MS = 3000;
/** How long the journal stays quiet before a wide device's tables are rendered ahead. */
const PRERENDER_QUIET_MS = 100;

/** A turn of the event loop, so heartbeats and bus requests get through a long render. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const LIVE_COST_FACTOR = 10;

/** How long after a live write that took `tookMs` the next may start. */
export function liveWriteSpacingMs(tookMs: number): number {
  return Math.max(LIVE_MIN_INTERVAL_MS, LIVE_COST_FACTOR * tookMs);
}

export interface OutputWriterOptions {
  /** REX_STORE: the live snapshot `rex.toml` is kept here too (none without it: `rex recover`). */
  storeDir?: string;
  /** Where the channels' data is spilled (default: `loop-N.spill` beside the journal). */
  spillDir?: string;
  /** Bytes of the final file written so far (progress, and a moment fault-injection tests aim at). */
  onFinalProgress?: (file: string, bytes: number) => void;
  log(level: 'warn' | 'info' | 'error', message: string): void;
  /** Times the spacing of live writes (default: the system clock). */
  clock?: Clock;
}

export class OutputWriter implements TailedJournal {
  readonly follower: JournalFollower;
  readonly output: RunOutput;
  private readonly file = new OwnOutputFile();
  private writing: Promise<unknown> = Promise.resolve();
  /** Stops the live write under way: once the final file is asked for, it is out of date. */
  private liveWrite = new AbortController();
  private writtenVersion = -1;
  private nextLiveAt: number;
  private finalizing = false;
  /** A wide device's tables being rendered ahead (`prerender`), or waiting to be. */
  private prerendering: Promise<void> | undefined;
  private prerenderTimer: TimerHandle | undefined;
  private finalized = false;
  private closed = false;
  private readonly clock: Clock;

  constructor(
    readonly journalPath: string,
    private readonly options: OutputWriterOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.nextLiveAt = this.clock.now() + LIVE_MIN_INTERVAL_MS;
    this.output = new RunOutput(options.spillDir ?? `${journalPath.replace(/\.rexj$/, '')}.spill`);
    this.follower = new JournalFollower(
      journalPath,
      {
        runStart: (r) => this.output.runStart(r),
        session: (m) => this.output.session(m),
        device: (m, merged) => this.output.device(m, merged),
        result: (m) => this.output.result(m),
        runEnd: (r) => this.output.runEnd(r),
        problem: (message) => options.log('warn', message),
      },
      { transient: true },
    ); // the channel spills write or copy what they get at once
    this.follower.catchUp();
    this.prerender();
  }

  catchUp(): void {
    if (this.finalized || this.closed) return;
    this.follower.catchUp();
    this.prerender();
  }

  /** See JournalFollower.catchUpTo. */
  catchUpTo(end: number): void {
    if (this.finalized || this.closed) return;
    this.follower.catchUpTo(end);
    this.prerender();
  }

  /**
   * Renders the tables of a device of many channels (once) when the journal has been quiet for a
   * moment while the run goes on: the final file then writes them from memory if the device did
   * not change (render.ts `keptSection`), and a run that goes on after a line of 100,000 channels
   * no longer waits ~0.4 s for their render at its end. A run that ends at once renders them
   * only for the final file, as it is.
   */
  private prerender(): void {
    if (this.prerendering !== undefined || this.finalizing || !this.output.prerenderWanted) return;
    this.clock.clearTimeout(this.prerenderTimer);
    this.prerenderTimer = this.clock.setTimeout(() => {
      this.prerenderTimer = undefined;
      const source = this.finalizing || this.closed ? undefined : this.output.sourceToPrerender();
      if (source === undefined) return;
      this.prerendering = (async () => {
        for await (const _ of renderOutput(source, { pause: nextTurn })) {
          // Only the device's kept tables are wanted.
        }
      })()
        .catch((error: Error) => this.options.log('warn', `tables not rendered ahead: ${error.message}`))
        .finally(() => {
          this.prerendering = undefined;
        });
    }, PRERENDER_QUIET_MS);
  }

  /** Stops following (another journal is followed now). A final file under way closes on its own. */
  close(): void {
    if (this.finalizing) return;
    this.closed = true;
    this.clock.clearTimeout(this.prerenderTimer);
    this.follower.close();
  }

  /** When the next live write may start (on the writer's clock); +Infinity while one is under way. */
  get nextLiveWriteAt(): number {
    return this.nextLiveAt;
  }

  /** Called periodically: writes the live file when there is news and the spacing allows. Says whether it started one. */
  maybeWriteLive(now = this.clock.now()): boolean {
    const { output } = this;
    if (this.finalized || !output.start || output.start.dryRun || !output.info) return false;
    if (output.version === this.writtenVersion || now < this.nextLiveAt) return false;
    // Tables being rendered ahead come first: a live write would render them a second time.
    if (this.prerendering !== undefined) return false;
    this.nextLiveAt = Number.POSITIVE_INFINITY;
    this.writing = this.writing.then(async () => {
      const started = this.clock.now();
      try {
        await this.write(output.version, { signal: this.liveWrite.signal });
      } catch (error) {
        if (!this.liveWrite.signal.aborted) this.options.log('warn', `live file not written: ${(error as Error).message}`);
      }
      const finished = this.clock.now();
      this.nextLiveAt = finished + liveWriteSpacingMs(finished - started);
    });
    return true;
  }

  /** Reads the journal to its end and writes the final file; returns its path. */
  async finalize(): Promise<{ file: string | null; bytes: number }> {
    this.finalizing = true;
    // A live write of a big run can take as long as the final one: it is dropped, not waited for.
    this.liveWrite.abort();
    this.clock.clearTimeout(this.prerenderTimer);
    await this.writing;
    // Rendering what the final file needs too: waited for, not dropped.
    await this.prerendering;
    this.follower.catchUp();
    this.finalized = true;
    if (!this.follower.hasEnded) {
      this.options.log('warn', `${this.journalPath} has no end record; writing what it holds`);
      this.output.markUnfinished();
    }
    if (this.follower.corruption) {
      this.options.log(
        'error',
        `${this.journalPath}: ${this.follower.corruption.reason} at offset ${this.follower.corruption.offset}; later records were not read`,
      );
    }
    // The final file formats on two cores (live files stay on one: the run still needs the other).
    const formatPool = new FloatFormatPool();
    const result = await this.write(this.output.version, { onProgress: this.options.onFinalProgress, formatPool, final: true }).finally(
      () => formatPool.close(),
    );
    this.follower.close();
    this.output.removeSpill();
    return result;
  }

  private async write(
    version: number,
    {
      onProgress,
      formatPool,
      signal,
      final = false,
    }: { onProgress?: (file: string, bytes: number) => void; formatPool?: FloatFormatPool; signal?: AbortSignal; final?: boolean } = {},
  ): Promise<{ file: string; bytes: number }> {
    const wanted = this.output.outputPath();
    const start = this.output.start!;
    let file = this.file.nameFor(wanted);
    const chunks = renderOutput(this.output.source(!final), {
      onWarning: (w) => this.options.log('warn', w.message),
      ...(formatPool && { formatFloats: formatPool.format }),
      // A live write dropped for the final one stops at its next pause, not at its next chunk.
      pause: signal ? () => nextTurn().then(() => signal.throwIfAborted()) : nextTurn,
    });
    const bytes = await writeFileAtomically(wanted, chunks, {
      ...(onProgress && { onProgress: (written: number) => onProgress(file, written) }),
      ...(signal && { signal }),
      // Created under a name no other file has, then only ever replaced by this iteration.
      place: async (temp) => {
        file = await this.file.place(temp, wanted, start);
      },
    });
    this.writtenVersion = version;
    const { storeDir } = this.options;
    if (storeDir) {
      await linkOrCopyAtomically(file, path.join(storeDir, 'rex.toml')).catch((error: Error) =>
        this.options.log('warn', `could not update ${storeDir}/rex.toml: ${error.message}`),
      );
    }
    return { file, bytes };
  }
}
