import { runActor } from '../../runtime/worker/run-actor.js';
import { httpGatewayActor } from './actor.js';

await runActor(httpGatewayActor);
