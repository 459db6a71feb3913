/** Bus requests served by the store actor (listed in src/bus/topics.ts). */
import type { JsonObject } from '../../protocol/messages.js';

export interface StoreQuery {
  command: 'GET_DATASTREAM' | 'STATE';
}

export interface StoreQueryAnswer {
  /** The reply line's JSON, without the newline. */
  text: string;
}

export interface StoreSession {
  sessionSeen: boolean;
  meta: JsonObject | undefined;
}
