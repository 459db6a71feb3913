/**
 * An actor thread's liveness beacon: one counter in shared memory that the thread bumps and the
 * supervisor reads (no message queue in between, so neither side's busy event loop delays it).
 * The worker's heartbeat timer bumps it while the event loop turns; long synchronous work bumps
 * it by calling `stillWorking()` between pieces. A thread stuck in a loop that never calls it
 * (the `hang` fault) leaves it still, and is terminated as hung. See docs/reliability.md.
 */

/** The supervisor's side: the buffer it hands the worker, and its reading. */
export class LivenessBeacon {
  readonly buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  private readonly cell = new Int32Array(this.buffer);
  private seen = 0;

  /** True if the thread bumped the beacon since the previous call. */
  moved(): boolean {
    const now = Atomics.load(this.cell, 0);
    if (now === this.seen) return false;
    this.seen = now;
    return true;
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
  if (cell !== undefined) Atomics.add(cell, 0, 1);
}
