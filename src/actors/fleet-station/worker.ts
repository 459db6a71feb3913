import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

// Lowered before its code loads (the NATS client, connecting, registering: ~0.2 s of CPU), which
// would otherwise take the cores from the script's first lines. Nothing the script does waits for
// this thread, and the hub's requests can wait for an idle moment (docs/fleet.md).
runThisThreadInBackground();
const [{ runActor }, { fleetStationActor }] = await Promise.all([import('../../runtime/worker/run-actor.js'), import('./actor.js')]);
await runActor(fleetStationActor);
