/**
 * `POST /run` after its body was validated (./run-request.ts): the path policy, then the launch,
 * answered as the HTTP API answers (status and body). Shared by the http-gateway's route and the
 * fleet-station's `run` request, so a run started over NATS is checked and answered exactly as one
 * started over HTTP.
 */
import { STATUS_CODES } from 'node:http';
import { isJsonArgument } from '../../protocol/provided-config-argument.js';
import { checkConfigFile, checkOutputDir, checkScript } from './path-policy.js';
import type { RunRequest } from './run-request.js';

/** Where runs may come from and go to (`rex serve`'s `[serve]` settings, resolved). */
export interface RunPolicy {
  scriptsDir: string;
  allowedOutputDirs: string[];
  cwd: string;
}

/** What the launcher is asked (`serve.launch`): every path absolute and already checked. */
export interface LaunchRequest {
  scriptPath: string;
  outputDir: string;
  email?: string;
  delayMinutes: number;
  loops: number;
  dryRun: boolean;
  port?: number;
  config?: string;
  metaJson?: string;
}

export type LaunchResult =
  | { started: true; id: string }
  | { started: false; reason: 'busy' }
  | { started: false; reason: 'failed'; id: string; exitCode: number | null; message: string };

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields?: string[];
  id?: string;
}

export const RUN_STARTED_MESSAGE = 'session started';
export const RUN_BUSY = { id: 'None', message: 'Session is already running, ignoring request' };

export type ErrorStatus = 400 | 403 | 409 | 500;
export type StartAnswer = { status: 200; body: { id: string; message: string } } | { status: ErrorStatus; body: ErrorBody };

export function errorAnswer(
  status: ErrorStatus,
  message: string,
  extra: Partial<ErrorBody> = {},
): { status: ErrorStatus; body: ErrorBody } {
  return { status, body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...extra } };
}

/** `from` names the asker in the log (`POST /run from 127.0.0.1`). */
export async function startRun(
  run: RunRequest,
  policy: RunPolicy,
  launch: (request: LaunchRequest) => Promise<LaunchResult>,
  log: (level: 'info' | 'warn', message: string) => void,
  from: string,
): Promise<StartAnswer> {
  const script = checkScript(run.path, policy.scriptsDir);
  if (!script.ok) return errorAnswer(script.status, script.message, { fields: [script.field] });
  const output = checkOutputDir(run.output, policy.allowedOutputDirs, policy.cwd);
  if (!output.ok) return errorAnswer(output.status, output.message, { fields: [output.field] });
  const config = run.config === undefined || isJsonArgument(run.config) ? undefined : checkConfigFile(run.config, policy.scriptsDir);
  if (config && !config.ok) return errorAnswer(config.status, config.message, { fields: [config.field] });
  if (run.ignoredFields.length > 0) log('warn', `${from}: ignored unknown fields: ${run.ignoredFields.join(', ')}`);
  if (run.interactive) log('warn', `${from}: "interactive" is ignored: a run started remotely has no terminal`);

  const request: LaunchRequest = {
    scriptPath: script.path,
    outputDir: output.path,
    delayMinutes: run.delayMinutes,
    loops: run.loops,
    dryRun: run.dryRun,
    ...(run.email !== undefined && { email: run.email }),
    ...(run.port !== undefined && { port: run.port }),
    ...(run.config !== undefined && { config: config?.ok ? config.path : run.config }),
    ...(run.metaJson !== undefined && { metaJson: run.metaJson }),
  };
  let result: LaunchResult;
  try {
    result = await launch(request);
  } catch (error) {
    return errorAnswer(500, `the run could not be started: ${(error as Error).message}`);
  }
  if (!result.started && result.reason === 'busy') {
    log('info', `${from}: a run is already going; ignored`);
    return { status: 200, body: RUN_BUSY };
  }
  if (!result.started) {
    // Exit code 2: `rex run` refused its arguments (nothing started), so the request was at fault.
    const status = result.exitCode === 2 ? 400 : 500;
    const exit = result.exitCode === null ? 'no exit status' : `exit code ${result.exitCode}`;
    return errorAnswer(status, `the run did not start (${exit}): ${result.message}`, { id: result.id });
  }
  return { status: 200, body: { id: result.id, message: RUN_STARTED_MESSAGE } };
}
