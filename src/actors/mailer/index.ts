import { runActor } from '../../runtime/actor.js';
import { mailerActor } from './actor.js';

await runActor(mailerActor);
