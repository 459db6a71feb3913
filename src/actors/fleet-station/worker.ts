import { runActorInBackground } from '../../runtime/worker/run-actor-in-background.js';

// The hub's requests can wait for an idle moment (docs/fleet.md).
await runActorInBackground(async () => (await import('./actor.js')).fleetStationActor);
