/**
 * Answers a command word for whatever the run is doing, at once: a query to a live run goes over
 * its TCP port; with no run (none yet, still starting, ended) the answer says so without waiting.
 * Failures carry the original's 502 text ("Error communicating with TCP server: ...").
 * Shared by the http-gateway and the fleet-station (the same answers over HTTP and over NATS).
 */
import { describeRunExit } from '../../protocol/run-exit.js';
import { askRun, RunLinkError, type RunRequest } from './run-tcp-command.js';
import { Slots } from './slots.js';

export type RunAnswer =
  | { ok: true; text: string }
  /** 502: no run, or it could not be reached; 503: too many asks waiting; 504: it did not answer in time. `message` = the HTTP body. */
  | { ok: false; status: 502 | 503 | 504; message: string; reason: string };

const PREFIX = 'Error communicating with TCP server: ';

/** What a run's answers depend on: the part of `rex serve`'s run state (`serve.run`) read here. */
export interface AskableRun {
  phase: 'idle' | 'starting' | 'running' | 'ended';
  id: string | null;
  port: number | null;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
}

/** Why there is no run to ask, or undefined when there is one listening. */
export function noRunReason(state: AskableRun): string | undefined {
  switch (state.phase) {
    case 'idle':
      return 'no run in progress';
    case 'starting':
      return `run ${state.id} is starting; its TCP port is not open yet`;
    case 'ended':
      return `no run in progress; the last run, ${state.id}, ended at ${state.endedAt} with ${describeRunExit(state.exitCode, state.signal)}`;
    case 'running':
      return state.port === null ? `run ${state.id} has no TCP port` : undefined;
  }
}

export async function askCurrentRun(state: AskableRun, request: RunRequest, timeoutMs: number, signal?: AbortSignal): Promise<RunAnswer> {
  const reason = noRunReason(state);
  if (reason !== undefined) return { ok: false, status: 502, message: PREFIX + reason, reason };
  try {
    return { ok: true, text: await askRun(state.port!, request, { timeoutMs, ...(signal && { signal }) }) };
  } catch (error) {
    const timeout = error instanceof RunLinkError && error.failure === 'timeout';
    const why = (error as Error).message;
    return { ok: false, status: timeout ? 504 : 502, message: PREFIX + why, reason: why };
  }
}

export type AskRun = (request: RunRequest, signal?: AbortSignal) => Promise<RunAnswer>;

/**
 * At most `maxActive` exchanges with the run at once and `maxWaiting` more in line; beyond that, a
 * command is refused at once (503). However clients send (pipelined HTTP requests, many sockets),
 * the run is not flooded with connections, and what one client left behind is bounded.
 */
export function limitRunAsks(ask: AskRun, maxActive: number, maxWaiting: number): AskRun {
  const slots = new Slots(maxActive, maxWaiting);
  return (request, signal) =>
    slots.run(
      () => ask(request, signal),
      () => {
        const reason = `more than ${maxActive + maxWaiting} commands are waiting for the run; try again`;
        return { ok: false, status: 503, message: PREFIX + reason, reason };
      },
    );
}
