import { runActor } from '../../runtime/worker/run-actor.js';
import { ingestActor } from './actor.js';

await runActor(ingestActor);
