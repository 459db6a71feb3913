/** Error catalogue of the bus (REX_BUS_*). Listed in docs/bus.md; a test keeps the two in step. */
import { defineError } from '../errors.js';

export const REX_BUS_NO_SERVER = defineError('REX_BUS_NO_SERVER', (name: string) => `no actor serves request "${name}"`, 503);
export const REX_BUS_REQUEST_TIMEOUT = defineError(
  'REX_BUS_REQUEST_TIMEOUT',
  (name: string, timeoutMs: number) => `request "${name}" got no response within ${timeoutMs} ms`,
  504,
);
export const REX_BUS_SERVER_GONE = defineError(
  'REX_BUS_SERVER_GONE',
  (name: string, server: string) => `request "${name}" failed: its server "${server}" went away before answering`,
  503,
);
export const REX_BUS_CLOSED = defineError('REX_BUS_CLOSED', (src: string) => `the bus of "${src}" is closed`, 503);
export const REX_BUS_INVALID_PAYLOAD = defineError(
  'REX_BUS_INVALID_PAYLOAD',
  (topic: string, src: string, detail: string) => `invalid payload on "${topic}" from "${src}": ${detail}`,
);
export const REX_BUS_PROTOCOL = defineError(
  'REX_BUS_PROTOCOL',
  (src: string, detail: string) => `bus protocol violation from "${src}": ${detail}`,
);
export const REX_BUS_PUBLISH_FAILED = defineError(
  'REX_BUS_PUBLISH_FAILED',
  (topic: string, src: string) => `"${src}" could not publish on "${topic}" (payload or transfer list not cloneable)`,
);
export const REX_BUS_SUBSCRIBER_FAILED = defineError(
  'REX_BUS_SUBSCRIBER_FAILED',
  (topic: string, src: string) => `a subscriber of "${topic}" in "${src}" threw`,
);
