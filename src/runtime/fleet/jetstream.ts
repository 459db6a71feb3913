/**
 * How the fleet reaches the hub's JetStream (the registry's KV bucket, the journal stream): through
 * its domain when `[fleet] jetstream_domain` is set. A leaf node forwards only `$JS.<domain>.API`
 * requests to the hub, never `$JS.API` or `$KV` (docs/fleet.md, "Leaf nodes").
 */
import { type JetStreamOptions, jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeError } from './registry.js';

export function jetStreamOptions(domain: string | undefined, timeout?: number): JetStreamOptions {
  return { ...(domain !== undefined && { domain }), ...(timeout !== undefined && { timeout }) };
}

/** The KV buckets of the hub's JetStream (in its domain, if any). */
export function hubKvm(nc: NatsConnection, domain: string | undefined): Kvm {
  return new Kvm(jetstream(nc, jetStreamOptions(domain)));
}

/**
 * What to say when no JetStream answered a request (nats.js: `jetstream is not enabled`, no
 * responders on the API subject): the hub is out of reach behind a leaf node, it runs no
 * JetStream, or `[fleet] jetstream_domain` is not its domain (or missing, behind a leaf node).
 * Null for any other error.
 */
export function noJetStream(error: unknown, domain: string | undefined): string | null {
  if (!/jetstream is not enabled|no responders: '\$JS\./i.test(describeError(error))) return null;
  const why =
    domain === undefined
      ? "the hub runs no JetStream, or this host reaches it through a leaf node: then set [fleet] jetstream_domain to the hub's jetstream { domain }"
      : `the hub is out of reach of this host's leaf node, or its jetstream { domain } is not "${domain}" ([fleet] jetstream_domain)`;
  return `no JetStream answers at ${domain === undefined ? '$JS.API' : `$JS.${domain}.API`}: ${why} (docs/fleet.md, "Leaf nodes")`;
}
