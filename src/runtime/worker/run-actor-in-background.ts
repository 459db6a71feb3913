/**
 * The entry of an actor that nothing on the reply path waits for (the fleet's two): the thread's
 * priority is lowered before the actor's code loads, so that loading and starting it (~0.2 s of
 * CPU with the NATS client) waits for an idle moment instead of taking the cores from a script's
 * first lines. The journal's followers lower theirs only once loaded (docs/architecture.md
 * "Start-up and exit of `rex run`": lowered earlier, they booted during the script's first burst).
 */
import { runThisThreadInBackground } from '../thread-priority.js';
import type { ActorDefinition } from './run-actor.js';

/** `load` imports the actor's definition; `niceness` as runThisThreadInBackground takes it. */
export async function runActorInBackground<Data>(load: () => Promise<ActorDefinition<Data>>, niceness?: number): Promise<void> {
  runThisThreadInBackground(niceness);
  const [{ runActor }, definition] = await Promise.all([import('./run-actor.js'), load()]);
  await runActor(definition);
}
