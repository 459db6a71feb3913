import { runActor } from '../../runtime/worker/run-actor.js';
import { mailerActor } from './actor.js';

await runActor(mailerActor);
