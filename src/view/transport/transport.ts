/**
 * How the TUI reaches a run: straight over its TCP port, or through `rex serve` over HTTP.
 */
import type { Connection } from '../model/tui-state.js';

/** The raw replies of one poll. */
export interface PollReplies {
  /** The `GET_DATASTREAM` reply text; undefined when the server did not understand the full query (not rex-daq). */
  datastream: string | undefined;
  /** The `STATE` reply text. */
  state: string;
  /** From a Listener message (TCP); undefined when the transport cannot tell. */
  paused: boolean | undefined;
}

export type ControlCommand = 'PAUSE_STATE' | 'RESUME_STATE' | 'KILL';

export interface PollOptions {
  /** Traces in full (rex-daq's GET_DATASTREAM_FULL, `GET /datastream/full`), not reduced to 100 points. */
  full?: boolean;
}

export interface Transport {
  /** E.g. `tcp 127.0.0.1:7676` or `http http://127.0.0.1:9000`. */
  readonly description: string;
  /** Rejects with a TransportError. */
  poll(options?: PollOptions): Promise<PollReplies>;
  /** Sends a control command; resolves with the server's reply text. Rejects with a TransportError. */
  command(command: ControlCommand): Promise<string>;
  close(): void;
}

export type FailureKind = Exclude<Connection, { kind: 'connected' | 'connecting' }>['kind'];

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}
