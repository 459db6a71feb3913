import { runActor } from '../../runtime/actor.js';
import { controllerActor } from './actor.js';

await runActor(controllerActor);
