import { runActor } from '../../runtime/worker/run-actor.js';
import { fleetReplicatorActor } from './actor.js';

await runActor(fleetReplicatorActor);
