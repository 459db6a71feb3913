import { runActor } from '../../runtime/worker/run-actor.js';
import { fileWriterActor } from './actor.js';

await runActor(fileWriterActor);
