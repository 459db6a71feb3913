import { runActorInBackground } from '../../runtime/worker/run-actor-in-background.js';

// The lowest priority: the hub can wait for an idle moment; the station's ingest cannot (docs/fleet.md).
await runActorInBackground(async () => (await import('./actor.js')).fleetReplicatorActor, 19);
