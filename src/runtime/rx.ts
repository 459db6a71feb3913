/**
 * The rxjs every thread of ours uses. Every value import of rxjs in src goes through here, so all
 * of a thread's code shares one `config` (onUnhandledError) and one set of classes. The build
 * (scripts/build-node.mjs) bundles rxjs's ES module build, of which only these are kept: its
 * Node entry is some 250 CommonJS files, 0.15–0.25 s of CPU for each thread that loads them
 * (bench/README.md "startup").
 */
export { audit, config, firstValueFrom, merge, Observable, Subject, take, timer } from 'rxjs';
export type { Subscription, Unsubscribable } from 'rxjs';
