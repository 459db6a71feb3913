import { runActor } from '../../runtime/actor.js';
import { ingestActor } from './actor.js';

await runActor(ingestActor);
