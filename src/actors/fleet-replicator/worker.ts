import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

// Lowered before its code loads (the NATS client, connecting: ~0.2 s of CPU), which would otherwise
// take the cores from the script's first lines. The hub can wait for an idle moment; the station's
// ingest cannot (docs/fleet.md).
runThisThreadInBackground(19);
const [{ runActor }, { fleetReplicatorActor }] = await Promise.all([import('../../runtime/worker/run-actor.js'), import('./actor.js')]);
await runActor(fleetReplicatorActor);
