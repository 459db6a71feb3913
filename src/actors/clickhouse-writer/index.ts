import { runActor } from '../../runtime/actor.js';
import { clickHouseWriterActor } from './actor.js';

await runActor(clickHouseWriterActor);
