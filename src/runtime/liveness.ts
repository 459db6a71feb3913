/**
 * An actor thread's liveness beacon: one counter in shared memory that the thread bumps and the
 * supervisor reads (no message queue in between, so neither side's busy event loop delays it).
 * The worker's heartbeat timer bumps it while the event loop turns; long synchronous work bumps
 * it by calling `stillWorking()` between pieces. A thread stuck in a loop that never calls it
 * (the `hang` fault) leaves it still, and is terminated as hung. See docs/reliability.md.
 *
 * Some work cannot be cut into pieces: `JSON.parse` of one huge line holds the thread for seconds
 * per ten megabytes. Before such a step the thread says `workingWithoutPause(ms)`: the beacon then
 * may stay still that long (on top of the usual timeout) before the thread counts as hung.
 */

/** Cell 0: the counter. Cell 1: how long (ms) the step begun at the counter's last move may run silent. */
const CELLS = 2;

/** The supervisor's side: the buffer it hands the worker, and its reading. */
export class LivenessBeacon {
  readonly buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
  private readonly cell = new Int32Array(this.buffer);
  private seen = 0;
  /** The silence the thread announced when the beacon last moved (0: none). */
  private announcedMs = 0;

  /** True if the thread bumped the beacon since the previous call. */
  moved(): boolean {
    const now = Atomics.load(this.cell, 0);
    if (now === this.seen) return false;
    this.seen = now;
    this.announcedMs = Atomics.load(this.cell, 1);
    return true;
  }

  /** How long, beyond the usual timeout, the thread may be silent since the beacon last moved. */
  get allowedSilenceMs(): number {
    return this.announcedMs;
  }
}

let cell: Int32Array | undefined;

/** The worker's side: called once by runActor with the buffer from workerData. */
export function attachLivenessBeacon(buffer: SharedArrayBuffer): void {
  cell = new Int32Array(buffer);
}

/**
 * "Busy, not hung": call between pieces of long synchronous work (every few ms of work is plenty:
 * it costs one atomic add). A no-op outside an actor thread (e.g. `rex recover`).
 */
export function stillWorking(): void {
  if (cell === undefined) return;
  Atomics.store(cell, 1, 0);
  Atomics.add(cell, 0, 1);
}

/**
 * "Busy for up to `ms` in one step that cannot pause": call just before it. The supervisor then
 * waits that long on top of its usual timeout; the next `stillWorking()` (the heartbeat timer's,
 * once the event loop turns again) ends the allowance.
 */
export function workingWithoutPause(ms: number): void {
  if (cell === undefined) return;
  Atomics.store(cell, 1, Math.min(Math.ceil(ms), 0x7fffffff));
  Atomics.add(cell, 0, 1);
}
