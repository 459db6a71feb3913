/**
 * The rxjs every thread of ours uses, loaded from the one-file bundle rxjs ships. Its package
 * entry for Node is some 250 CommonJS files: each thread (the main one and every actor's) spent
 * 0.15–0.25 s of CPU loading them at start (bench/README.md "Start-up"); the bundle is the same
 * code in one file. Every value import of rxjs in src goes through here, so all threads' code
 * shares one `config` (onUnhandledError) and one set of classes. Types come from the package.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

type Rx = typeof import('rxjs');

function loadRx(): Rx {
  const require = createRequire(import.meta.url);
  try {
    // dist/cjs/index.js → dist/bundles/rxjs.umd.min.js (not in the package's exports map).
    return require(path.join(path.dirname(require.resolve('rxjs')), '..', 'bundles', 'rxjs.umd.min.js')) as Rx;
  } catch {
    return require('rxjs') as Rx; // a layout without the bundle: the ordinary entry
  }
}

const rx = loadRx();

export const { audit, config, firstValueFrom, merge, Observable, Subject, take, timer } = rx;
export type Observable<T> = import('rxjs').Observable<T>;
export type Subject<T> = import('rxjs').Subject<T>;
export type { Subscription, Unsubscribable } from 'rxjs';
