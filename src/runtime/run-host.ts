/**
 * Hosts one `rex run` on the main thread: the bus hub, the supervisor and the actors, the socket
 * front of ingest, and the few facts the main thread must own because it outlives every actor
 * (the iteration in progress, the script's pid).
 */
import { config as rxConfig, firstValueFrom, take } from 'rxjs';
import { BusHub } from '../bus/hub.js';
import type { RunOutcome, RunPlan } from '../actors/controller/run-plan.js';
import { SocketFront } from '../actors/ingest/socket-front.js';
import { armFaultPlan } from './fault-plan.js';
import { Supervisor } from './supervisor.js';
import { MAX_LINE_BYTES } from '../protocol/limits.js';

export interface RunHostOptions {
  host: string;
  port: number;
  subsampling: boolean;
}

const actorEntry = (name: string): URL => new URL(`../actors/${name}/index.js`, import.meta.url);

export class RunHost {
  readonly hub = new BusHub();
  readonly bus = this.hub.bus;
  readonly supervisor = new Supervisor({ hub: this.hub });
  private readonly front: SocketFront;
  private current: { journalPath: string | null; loop: number } = { journalPath: null, loop: 0 };
  private scriptPid: number | null = null;

  constructor(private readonly options: RunHostOptions) {
    this.front = new SocketFront(this.bus, {
      host: options.host,
      // Above the longest line: a line must fit whole before it can be consumed.
      maxUnackedBytesPerConnection: MAX_LINE_BYTES + (1 << 20),
      maxQueuedReplyBytes: 1024 * 1024,
    });
    // A failing main-thread subscriber must not stop the others: report it and go on.
    rxConfig.onUnhandledError = (error: unknown) =>
      this.bus.publish('log', { level: 'error', source: 'main', message: `subscriber failed: ${String((error as Error)?.stack ?? error)}`, ts: Date.now() });
    this.bus.serve('run.current', () => this.current);
    armFaultPlan(this.bus);
    this.bus.on('run.iteration').subscribe((event) => {
      this.current = { journalPath: event.phase === 'started' ? event.journalPath : null, loop: event.loop };
    });
    this.bus.on('run.script').subscribe(({ pid }) => (this.scriptPid = pid));
    this.bus.on('actor.fault').subscribe((fault) => {
      // The script belongs to the controller's thread: if that thread dies, the script must not linger.
      if (fault.actor === 'controller') this.killScript();
    });
  }

  /** Binds the TCP port (a busy one falls back to a free one) and starts the data actors. */
  async open(storeDir: string): Promise<{ port: number; fellBack: boolean }> {
    await Promise.all([
      this.supervisor.start({ name: 'ingest', entry: actorEntry('ingest') }),
      this.supervisor.start({ name: 'store', entry: actorEntry('store'), data: { subsampling: this.options.subsampling } }),
      this.supervisor.start({ name: 'file-writer', entry: actorEntry('file-writer'), data: { storeDir } }),
    ]);
    return this.front.listen(this.options.port);
  }

  /** Starts the controller on `plan`; resolves with the run's outcome. */
  async run(plan: RunPlan): Promise<RunOutcome> {
    const finished = firstValueFrom(this.bus.on('run.finished').pipe(take(1)));
    await this.supervisor.start({ name: 'controller', entry: actorEntry('controller'), data: plan });
    const fatal = this.supervisor.fatal.then(async (error) => {
      // The controller saves what it can when asked to stop; give it that chance.
      const settled = await Promise.race([finished, delay(30_000).then(() => null)]);
      return settled ?? { uuid: plan.uuid, dryRun: plan.dryRun, iterations: [], interrupted: true, error: error.message };
    });
    return Promise.race([finished, fatal]);
  }

  interrupt(): void {
    this.bus.publish('run.interrupt', {});
  }

  /** Last resort (third Ctrl-C): the script's process group is killed at once. */
  killScript(): void {
    if (this.scriptPid === null) return;
    try {
      process.kill(process.platform === 'win32' ? this.scriptPid : -this.scriptPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    this.scriptPid = null;
  }

  async close(): Promise<void> {
    this.killScript();
    await this.supervisor.stopAll();
    await this.front.close();
    this.hub.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
