/**
 * How the fleet reaches the hub's JetStream (the registry's KV bucket, the journal stream): through
 * its domain when `[fleet] jetstream_domain` is set. A leaf node forwards only `$JS.<domain>.API`
 * requests to the hub, never `$JS.API` or `$KV` (docs/fleet.md, "Leaf nodes").
 */
import { type JetStreamOptions, jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export function jetStreamOptions(domain: string | undefined, timeout?: number): JetStreamOptions {
  return { ...(domain !== undefined && { domain }), ...(timeout !== undefined && { timeout }) };
}

/** The KV buckets of the hub's JetStream (in its domain, if any). */
export function hubKvm(nc: NatsConnection, domain: string | undefined): Kvm {
  return new Kvm(jetstream(nc, jetStreamOptions(domain)));
}
