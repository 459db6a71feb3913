/**
 * At most `maxActive` tasks at once and `maxWaiting` more in line, first come first served; beyond
 * that a task is refused at once. However clients send (pipelined requests, many sockets), what
 * runs at once and what waits are bounded: commands to the run (./run-answers.ts), reads of output
 * files (./routes-runs.ts).
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxActive: number,
    readonly maxWaiting: number,
  ) {}

  /** `task` once a slot is free, or `refused()` at once when the line is full. */
  async run<T>(task: () => Promise<T>, refused: () => T): Promise<T> {
    if (this.active < this.maxActive) this.active++;
    else if (this.waiting.length < this.maxWaiting) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else return refused();
    try {
      return await task();
    } finally {
      // The slot goes to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
