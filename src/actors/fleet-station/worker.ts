import { runActor } from '../../runtime/worker/run-actor.js';
import { fleetStationActor } from './actor.js';

await runActor(fleetStationActor);
