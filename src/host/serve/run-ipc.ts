/**
 * The few facts a `rex run` started by `rex serve` tells its parent over the Node IPC channel:
 * its TCP port once it listens (a busy port falls back to a free one, so the parent cannot know it
 * otherwise) and its outcome. The parent chooses the run's UUID and hands it over in the
 * environment, so `POST /run` can answer with the id the script will see as REX_UUID.
 *
 * Child side: `serveAssignedRunUuid`, `announceToServe` (no-ops unless started by `rex serve`).
 * Parent side: `parseRunIpcMessage`.
 */

/** Set by the serve launcher in the child's environment; only meaningful with an IPC channel. */
export const SERVE_RUN_UUID_ENV = 'REX_SERVE_RUN_UUID';

export type RunIpcMessage =
  | { kind: 'rex.run.listening'; uuid: string; port: number }
  | { kind: 'rex.run.finished'; uuid: string; exitCode: number; outputFiles: string[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function startedByServe(env: NodeJS.ProcessEnv): boolean {
  return typeof process.send === 'function' && UUID.test(env[SERVE_RUN_UUID_ENV] ?? '');
}

/** The UUID `rex serve` chose for this run, or undefined when this `rex run` was not started by it. */
export function serveAssignedRunUuid(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return startedByServe(env) ? env[SERVE_RUN_UUID_ENV] : undefined;
}

/** Tells the parent `rex serve`, if any. Never throws: a parent that has gone away is not the run's problem. */
export function announceToServe(message: RunIpcMessage, env: NodeJS.ProcessEnv = process.env): void {
  if (!startedByServe(env) || !process.connected) return;
  try {
    // With a callback, a closed channel is reported there instead of as an 'error' event.
    process.send!(message, undefined, {}, () => undefined);
  } catch {
    // The channel closed between the check and the send.
  }
}

/** A message from the child, or null for anything else. */
export function parseRunIpcMessage(value: unknown): RunIpcMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (typeof m.uuid !== 'string') return null;
  if (m.kind === 'rex.run.listening' && Number.isInteger(m.port)) {
    return { kind: m.kind, uuid: m.uuid, port: m.port as number };
  }
  if (m.kind === 'rex.run.finished' && Number.isInteger(m.exitCode) && Array.isArray(m.outputFiles)) {
    return {
      kind: m.kind,
      uuid: m.uuid,
      exitCode: m.exitCode as number,
      outputFiles: m.outputFiles.filter((f): f is string => typeof f === 'string'),
    };
  }
  return null;
}
