import { runActor } from '../../runtime/worker/run-actor.js';
import { clickHouseWriterActor } from './actor.js';

await runActor(clickHouseWriterActor);
