import { runActor } from '../../runtime/actor.js';
import { fileWriterActor } from './actor.js';

await runActor(fileWriterActor);
