/**
 * `rex serve` (SPEC §8): `GET /datastream` and `GET /status` carry the same JSON as the TCP
 * queries (502 when no run is going); `POST /pause`, `/continue`, `/kill` answer with the TCP
 * reply text. The API cannot tell whether a run is paused, so that comes from our own commands.
 */
import { type ControlCommand, type PollOptions, type PollReplies, type Transport, TransportError } from './transport.js';

export interface HttpTransportOptions {
  /** Sent as `Authorization: Bearer <token>` (rex serve with a token wants it on every endpoint but `GET /`). */
  token?: string;
  timeoutMs?: number;
}

const ENDPOINT: Record<ControlCommand, string> = { PAUSE_STATE: 'pause', RESUME_STATE: 'continue', KILL: 'kill' };

export class HttpTransport implements Transport {
  readonly description: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly base: URL,
    private readonly options: HttpTransportOptions = {},
  ) {
    this.description = `http ${base.href.replace(/\/$/, '')}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async poll(options: PollOptions = {}): Promise<PollReplies> {
    const datastreamPath = options.full ? 'datastream/full' : 'datastream';
    // A serve without the full endpoint (404): undefined, and the view goes back to reduced traces.
    const [datastream, state] = await Promise.all([this.request('GET', datastreamPath, options.full), this.request('GET', 'status')]);
    return { datastream, state, paused: undefined };
  }

  command(command: ControlCommand): Promise<string> {
    return this.request('POST', ENDPOINT[command]);
  }

  close(): void {
    // fetch keeps no state of ours.
  }

  private async request(method: 'GET' | 'POST', endpoint: string): Promise<string>;
  private async request(method: 'GET' | 'POST', endpoint: string, notFoundIsUndefined?: boolean): Promise<string | undefined>;
  private async request(method: 'GET' | 'POST', endpoint: string, notFoundIsUndefined = false): Promise<string | undefined> {
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}/${endpoint}`, this.base);
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw fetchFailure(error, this.base);
    }
    const body = await response.text().catch(() => '');
    if (response.status === 404 && notFoundIsUndefined) return undefined;
    if (response.status === 502) throw new TransportError('no-run', `rex serve at ${this.base.host} has no run going; waiting for one`);
    if (!response.ok) {
      const detail = body.trim().slice(0, 200);
      throw new TransportError('lost', `${method} /${endpoint}: HTTP ${response.status}${detail ? ` (${detail})` : ''}`);
    }
    return body.replace(/\r?\n$/, '');
  }
}

function fetchFailure(error: unknown, base: URL): TransportError {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED')
    return new TransportError('no-listener', `nothing is listening on ${base.host}: is rex serve running? retrying`);
  if ((error as Error).name === 'TimeoutError') return new TransportError('lost', `no answer from ${base.host} in time`);
  return new TransportError('lost', `cannot reach ${base.host}: ${(error as Error).message}${cause?.code ? ` (${cause.code})` : ''}`);
}
