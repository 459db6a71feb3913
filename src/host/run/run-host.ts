/**
 * Hosts one `rex run` on the main thread: the bus hub, the supervisor and the actors, the socket
 * front of ingest, and the few facts the main thread must own because it outlives every actor
 * (the iteration in progress, the script's pid).
 */
import { config as rxConfig, firstValueFrom, take } from '../../runtime/rx.js';
import { BusHub } from '../../bus/hub.js';
import type { RunOutcome, RunPlan } from '../../actors/controller/index.js';
import { SocketFront } from './socket-front.js';
import { armFaultPlan, faultHeartbeatTimeoutMs } from './fault-plan.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { type ActorName, actorWorker } from '../supervisor/actor-worker.js';
import { MAX_LINE_BYTES } from '../../protocol/limits.js';
import type { MailerData } from '../../actors/mailer/index.js';
import { MailOutbox } from './mail-outbox.js';
import type { ClickHouseWriterData } from '../../actors/clickhouse-writer/index.js';
import type { StoreActorData } from '../../actors/store/index.js';
import type { FleetReplicatorData } from '../../actors/fleet-replicator/index.js';
import { WebView, type WebViewOptions } from './web-view.js';
import { type OneRunInfo, OneRunState } from './one-run-state.js';
import type { FleetStationData } from '../../actors/fleet-station/index.js';

export interface RunHostOptions {
  host: string;
  port: number;
  /** When `port` is busy, listen on a free one (false for a port given with `-P`). */
  portFallback: boolean;
  subsampling: boolean;
  /** `-v 3` / `-v 4`: the store logs each accepted line (a summary; also the raw text). */
  lineLog?: 'summary' | 'raw';
  /** `--email` (not in dry run): start the mailer with this. */
  mail?: MailerData;
  /** How long the run's end waits for mail still on its way (default 120 s). */
  mailWaitMs?: number;
  /** `[click_house_server]` configured (not in dry run): stream the journals into ClickHouse. */
  clickhouse?: ClickHouseWriterData;
  /** This run as `rex serve` describes one (`serve.state`); needed by `web` and `fleetStation`. */
  run?: OneRunInfo;
  /** `[fleet]` configured (not in dry run): replicate the journals to the hub (docs/fleet.md). */
  replication?: FleetReplicatorData;
  /** `--web`: the http-gateway shows this run on loopback (./web-view.ts). */
  web?: WebViewOptions;
  /** `[fleet]`: this run is a station of the fleet (the fleet-station actor, docs/fleet.md). */
  fleetStation?: FleetStationData;
}

export class RunHost {
  readonly hub = new BusHub();
  readonly bus = this.hub.bus;
  // A generous READY timeout: on a loaded machine a worker can take seconds to load its modules.
  readonly supervisor = new Supervisor({ hub: this.hub, readyTimeoutMs: 30_000, heartbeatTimeoutMs: faultHeartbeatTimeoutMs() });
  private readonly front: SocketFront;
  private current: { journalPath: string | null; loop: number } = { journalPath: null, loop: 0 };
  private scriptPid: number | null = null;
  /** The run's mail record (null without `--email`): outlives the mailer's threads. */
  readonly mail: MailOutbox | null;
  /** `--web`'s server (null without it). */
  private readonly web: WebView | null;
  private readonly runState: OneRunState | null;
  private controllerStarted = false;
  /** The controller published `run.finished`: it asks no other actor anymore. */
  private runFinished = false;
  private earlyInterrupts = 0;
  /** The controller's start (spawned in open(), READY once run() has given it the plan). */
  private controllerReady: Promise<void> | undefined;
  private givePlan!: (plan: RunPlan | null) => void;
  private readonly plan = new Promise<RunPlan | null>((resolve) => (this.givePlan = resolve));

  constructor(private readonly options: RunHostOptions) {
    this.front = new SocketFront(this.bus, {
      host: options.host,
      // Above the longest line: a line must fit whole before it can be consumed.
      maxUnackedBytesPerConnection: MAX_LINE_BYTES + (1 << 20),
      maxQueuedReplyBytes: 1024 * 1024,
    });
    // A failing main-thread subscriber must not stop the others: report it and go on.
    rxConfig.onUnhandledError = (error: unknown) =>
      this.bus.publish('log', {
        level: 'error',
        source: 'main',
        message: `subscriber failed: ${String((error as Error)?.stack ?? error)}`,
        ts: Date.now(),
      });
    this.bus.serve('run.current', () => this.current);
    this.bus.serve('run.plan', async () => ({ plan: await this.plan }));
    this.mail = options.mail ? new MailOutbox(this.bus, options.mail.to) : null;
    this.runState = options.run ? new OneRunState(this.bus, options.run) : null;
    this.web =
      options.web && this.runState ? new WebView(this.bus, this.supervisor, this.runState, options.run!.outputDir, options.web) : null;
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

  /**
   * Starts the actors, all at once, and binds the TCP port (a busy one falls back to a free one, if
   * allowed) once the ingest is READY. The controller's thread starts too, so that its modules load
   * meanwhile; it waits for its plan (`run.plan`), which names the port: run() gives it.
   *
   * The journal's followers (store, file-writer) and sinks are not waited for: they read the
   * journal from its start whenever they are up (JournalTail; the sinks at their own pace), and a
   * request for them waits meanwhile (BusHub.holdUnservedUntil). Their boot, ~0.1 s of CPU each,
   * then overlaps the script's start instead of delaying it.
   */
  async open(storeDir: string): Promise<{ port: number; fellBack: boolean }> {
    const ingestReady = this.supervisor.start({ name: 'ingest', entry: actorWorker('ingest') });
    // A critical one that never becomes READY stops the run (Supervisor: `run.stop`, `fatal`).
    const followersReady = Promise.all([
      this.supervisor.start({ name: 'store', entry: actorWorker('store'), data: this.storeData() }),
      this.supervisor.start({ name: 'file-writer', entry: actorWorker('file-writer'), data: { storeDir } }),
      this.startMailer(),
      this.startClickHouseWriter(),
      this.startReplicator(),
    ]);
    followersReady.catch(() => {});
    this.hub.holdUnservedUntil(followersReady);
    // Not waited for: the script does not wait for the page's server; its URL is printed once it listens.
    void this.web?.start();
    void this.startFleetStation();
    // Started last, so stopped first (Supervisor.stopAll). Its failure is reported by run().
    this.controllerReady = this.supervisor.start({ name: 'controller', entry: actorWorker('controller') });
    this.controllerReady.catch(() => {});
    await ingestReady;
    const listening = await this.front.listen(this.options.port, this.options.portFallback);
    this.runState?.running(listening.port);
    return listening;
  }

  private storeData(): StoreActorData {
    const { subsampling, lineLog } = this.options;
    return lineLog ? { subsampling, lineLog } : { subsampling };
  }

  /** Gives the controller its plan; resolves with the run's outcome. */
  async run(plan: RunPlan): Promise<RunOutcome> {
    const finished = firstValueFrom(this.bus.on('run.finished').pipe(take(1)));
    void finished.then(() => (this.runFinished = true));
    let givenUp: Error | undefined;
    void this.supervisor.fatal.then((error) => (givenUp = error));
    this.givePlan(plan);
    await this.controllerReady;
    this.controllerStarted = true;
    // Ctrl-C / SIGTERM while rex was still starting: nobody was listening for them then.
    for (; this.earlyInterrupts > 0; this.earlyInterrupts--) this.bus.publish('run.interrupt', {});
    // Likewise the supervisor's `run.stop` for an actor that never came up (open() does not wait for all).
    if (givenUp) this.bus.publish('run.stop', { reason: givenUp.message });
    const fatal = this.supervisor.fatal.then(async (error) => {
      // The controller saves what it can when asked to stop; give it that chance.
      const settled = await Promise.race([finished, delay(30_000).then(() => null)]);
      return settled ?? { uuid: plan.uuid, dryRun: plan.dryRun, iterations: [], interrupted: true, error: error.message };
    });
    const outcome = await Promise.race([finished, fatal]);
    // An actor given up on is why the run stopped: the run's error names it, not a consequence
    // such as 'no actor serves request "ingest.end"'.
    if (givenUp && !outcome.error?.includes(givenUp.message)) {
      outcome.error = outcome.error ? `${givenUp.message} (then: ${outcome.error})` : givenUp.message;
    }
    await this.mail?.settle(this.options.mailWaitMs ?? 120_000);
    return outcome;
  }

  /** A clickhouse-writer runs in this run. */
  get hasClickHouse(): boolean {
    return this.options.clickhouse !== undefined;
  }

  /** A fleet-replicator runs in this run. */
  get hasFleet(): boolean {
    return this.options.replication !== undefined;
  }

  /** The mailer is not critical: if it cannot start, the run goes on and says there will be no mail. */
  private async startMailer(): Promise<void> {
    const { mail } = this;
    if (!this.options.mail || !mail) return;
    await this.startOptional('mailer', this.options.mail, 'no mail will be sent', (reason) => mail.markUnavailable(reason));
  }

  /** Not critical either: a database problem never stops the data run (the rows stay in the journal). */
  private async startClickHouseWriter(): Promise<void> {
    if (!this.options.clickhouse) return;
    await this.startOptional('clickhouse-writer', this.options.clickhouse, 'rows stay in the journal (`rex db push` stores them later)');
  }

  /** Not critical, not waited for: the run never waits on the fleet (it registers in the background). */
  private async startFleetStation(): Promise<void> {
    if (!this.options.fleetStation || !this.runState) return;
    await this.startOptional('fleet-station', this.options.fleetStation, 'the run goes on outside the fleet');
  }

  /** Not critical: the hub never stops the data run (what it lacks stays in the journal). */
  private async startReplicator(): Promise<void> {
    if (!this.options.replication) return;
    await this.startOptional('fleet-replicator', this.options.replication, 'the journal is kept (`rex recover` replicates it later)');
  }

  /** Starts a non-critical actor; if it cannot start, logs why and what that means for the run. */
  private async startOptional(name: ActorName, data: unknown, consequence: string, unavailable?: (reason: string) => void): Promise<void> {
    try {
      await this.supervisor.start({ name, entry: actorWorker(name), data, critical: false });
    } catch (error) {
      const reason = `the ${name} could not start: ${(error as Error).message}`;
      this.bus.publish('log', { level: 'error', source: name, message: `${reason}; ${consequence}`, ts: Date.now() });
      unavailable?.(reason);
    }
  }

  interrupt(): void {
    if (!this.controllerStarted) this.earlyInterrupts++;
    else this.bus.publish('run.interrupt', {});
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
    this.givePlan(null); // no run() came: the controller ends without one
    this.killScript();
    await this.supervisor.stopAll({ together: this.runFinished });
    this.mail?.close();
    await this.front.close();
    this.hub.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
