/**
 * Drives one TUI: polls the run at ≤ 10 Hz (never two polls at once, so a slow run is never
 * flooded), retries every second while nothing answers, sends the control commands, and tells
 * the screen about changes at most every 100 ms. The screen reads `getState()`.
 */
import { parseDatastream } from './model/datastream.js';
import type { KeyAction } from './model/keys.js';
import { parseState } from './model/session-state.js';
import { type TuiEvent, type TuiState, initialState, reduce } from './model/tui-state.js';
import { type ControlCommand, type Transport, TransportError } from './transport/transport.js';
import { REPLY_PAUSE, REPLY_RESUME } from '../protocol/replies.js';

export interface ViewControllerOptions {
  transport: Transport;
  /** `run`: hosted by `rex run -i` (q ends the run); `view`: attached from outside (q only quits). */
  mode: 'view' | 'run';
  pollIntervalMs?: number;
  retryIntervalMs?: number;
  /** The screen is told about changes at most this often. */
  notifyIntervalMs?: number;
  now?: () => number;
  /** The user asked to quit (q, Ctrl-C). Called once. */
  onQuit?: () => void;
}

const COMMAND_OF: Partial<Record<KeyAction, ControlCommand>> = { pause: 'PAUSE_STATE', resume: 'RESUME_STATE', kill: 'KILL' };

export class ViewController {
  private state: TuiState;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly notifyIntervalMs: number;
  private running = false;
  private wake: (() => void) | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotify = 0;
  private quitting = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly options: ViewControllerOptions) {
    this.now = options.now ?? Date.now;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.retryIntervalMs = options.retryIntervalMs ?? 1000;
    this.notifyIntervalMs = options.notifyIntervalMs ?? 100;
    this.state = initialState({ mode: options.mode, target: options.transport.description, now: this.now() });
  }

  getState = (): TuiState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch(event: TuiEvent): void {
    const next = reduce(this.state, event);
    if (next === this.state) return;
    this.state = next;
    this.scheduleNotify();
  }

  /** A key was pressed: update the view, and send the command it stands for. */
  handleKey(action: KeyAction): void {
    this.dispatch({ type: 'key', action });
    const command = COMMAND_OF[action];
    if (command) void this.send(command);
    if (action === 'quit' && !this.quitting) {
      this.quitting = true;
      this.options.onQuit?.();
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    clearTimeout(this.notifyTimer);
    this.options.transport.close();
  }

  /** Sends a control command and logs the run's answer. */
  async send(command: ControlCommand): Promise<void> {
    const log = (level: 'info' | 'error', message: string): void =>
      this.dispatch({ type: 'log', lines: [{ ts: this.now(), level, source: 'view', message }] });
    try {
      const reply = await this.options.transport.command(command);
      log('info', `${command}: ${reply}`);
      if (reply === REPLY_PAUSE) this.dispatch({ type: 'paused', paused: true });
      if (reply === REPLY_RESUME) this.dispatch({ type: 'paused', paused: false });
    } catch (error) {
      log('error', `${command} failed: ${(error as Error).message}`);
    }
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      const started = this.now();
      let wait = this.retryIntervalMs;
      try {
        const full = this.state.full;
        const replies = await this.options.transport.poll({ full });
        const at = this.now();
        if (replies.datastream === undefined) {
          this.dispatch({ type: 'full-refused', at, message: `${this.options.transport.description} has no full traces (not rex-daq?)` });
          continue;
        }
        this.dispatch({
          type: 'polled',
          at,
          devices: parseDatastream(replies.datastream),
          state: parseState(replies.state),
          paused: replies.paused,
        });
        wait = this.pollIntervalMs - (at - started);
      } catch (error) {
        const failure =
          error instanceof TransportError
            ? { kind: error.kind, message: error.message }
            : {
                kind: 'lost' as const,
                message: `unexpected reply from ${this.options.transport.description}: ${(error as Error).message}`,
              };
        this.dispatch({ type: 'poll-failed', at: this.now(), connection: failure });
      }
      if (this.running && wait > 0) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private scheduleNotify(): void {
    if (this.notifyTimer) return;
    const due = Math.max(0, this.lastNotify + this.notifyIntervalMs - this.now());
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      this.lastNotify = this.now();
      for (const listener of this.listeners) listener();
    }, due);
  }
}
