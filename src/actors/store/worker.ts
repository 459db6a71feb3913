import { runActor } from '../../runtime/worker/run-actor.js';
import { storeActor } from './actor.js';

await runActor(storeActor);
