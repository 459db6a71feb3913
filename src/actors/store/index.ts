import { runActor } from '../../runtime/actor.js';
import { storeActor } from './actor.js';

await runActor(storeActor);
