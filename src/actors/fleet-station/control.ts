/**
 * A station's answers to control requests (`rex.station.<node>.<op>`): the same operations and
 * answers as the HTTP API (docs/serve.md), from the same code (src/runtime/run-control/), as a
 * `{status, body}` envelope (src/protocol/fleet/stations.ts).
 */
import type { Command } from '../../protocol/messages.js';
import { type ControlReply, LONE_RUN_REFUSAL, isStationOp, type StationOp } from '../../protocol/fleet/stations.js';
import { type AskableRun, type AskRun, askCurrentRun, limitRunAsks } from '../../runtime/run-control/run-answers.js';
import { parseRunRequest, RUN_BODY_EXPECTED } from '../../runtime/run-control/run-request.js';
import { errorAnswer, type LaunchRequest, type LaunchResult, type RunPolicy, startRun } from '../../runtime/run-control/start-run.js';

/** As the gateway: a run that does not answer within 5 s is a 504. */
const TCP_TIMEOUT_MS = 5_000;

const COMMAND_OF: Record<Exclude<StationOp, 'run'>, Command> = {
  pause: 'PAUSE_STATE',
  continue: 'RESUME_STATE',
  kill: 'KILL',
  status: 'STATE',
  datastream: 'GET_DATASTREAM',
  datastream_full: 'GET_DATASTREAM_FULL',
};
const JSON_OPS = new Set<StationOp>(['status', 'datastream', 'datastream_full']);

export interface ControlContext {
  runState(): AskableRun;
  /** null: a lone `rex run`, which starts no runs. */
  policy: RunPolicy | null;
  launch(request: LaunchRequest): Promise<LaunchResult>;
  log(level: 'info' | 'warn', message: string): void;
}

export class StationControl {
  private readonly ask: AskRun;

  constructor(private readonly context: ControlContext) {
    // The gateway's bounds: 16 exchanges with the run at once, 256 in line, then 503.
    this.ask = limitRunAsks((command, signal) => askCurrentRun(context.runState(), command, TCP_TIMEOUT_MS, signal), 16, 256);
  }

  async answer(op: string, data: Uint8Array, from: string): Promise<ControlReply> {
    if (!isStationOp(op))
      return {
        status: 404,
        body: `no operation ${JSON.stringify(op)}; a station answers ${['run', ...Object.keys(COMMAND_OF)].join(', ')}`,
      };
    if (op === 'run') return this.run(data, from);
    const answer = await this.ask(COMMAND_OF[op]);
    if (op === 'pause' || op === 'continue' || op === 'kill')
      this.context.log(answer.ok ? 'info' : 'warn', `${op} from ${from}: ${answer.ok ? answer.text : answer.message}`);
    if (!answer.ok) return { status: answer.status, body: answer.message };
    if (!JSON_OPS.has(op)) return { status: 200, body: answer.text };
    try {
      return { status: 200, body: JSON.parse(answer.text) };
    } catch {
      return { status: 502, body: `Received malformed JSON: ${answer.text.slice(0, 1000)}` };
    }
  }

  /** `POST /run`: the same body, checks and answers. */
  private async run(data: Uint8Array, from: string): Promise<ControlReply> {
    const { policy } = this.context;
    if (policy === null) return errorAnswer(409, LONE_RUN_REFUSAL);
    const text = new TextDecoder().decode(data);
    if (text.trim() === '') return errorAnswer(400, `body: expected ${RUN_BODY_EXPECTED}, got nothing`, { fields: ['body'] });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return errorAnswer(400, `body: not valid JSON: ${(error as Error).message}`);
    }
    const parsed = parseRunRequest(body);
    if (!parsed.ok) return errorAnswer(400, parsed.message, { fields: parsed.fields });
    return startRun(parsed.request, policy, this.context.launch, this.context.log, `run from ${from}`);
  }
}
