/** The bus's public surface. Actors use `Bus` (from their ActorContext); the CLI makes the hub. */
export type { Bus, RequestHandler, RequestOptions } from './bus.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './bus.js';
export { BusHub, type HubLink, type HubOptions } from './hub.js';
export { connectPortBus, type PortBus } from './port-bus.js';
export type { RequestName, RequestOf, Requests, ResponseOf, Topic, Topics } from './topics.js';
export * from './payloads.js';
export * from './errors.js';
