import { runActor } from '../../runtime/actor.js';
import { httpGatewayActor } from './actor.js';

await runActor(httpGatewayActor);
