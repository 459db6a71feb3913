import { runActor } from '../../runtime/worker/run-actor.js';
import { controllerActor } from './actor.js';

await runActor(controllerActor);
