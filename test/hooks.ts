// The before/after pairs test files share. Each `use…` registers its hooks in the suite it is called
// in (a describe, or the file) and returns the part it starts; the part's fields are there once the
// suite's `before` hooks have run, i.e. inside tests. In a describe, hooks run one after another in
// the order registered, `after` hooks too: call useTestVigil first so that Vigil stops before the
// sites it reads. At a file's top level Node 20 runs them side by side, so no hook may read another's
// part there (derive it inside the tests instead, as evaluations-stream does with its client).
import { after, before } from 'node:test';
import { startFixtureSite, startReceiver, startTestVigil, type FixtureSite, type Receiver, type TestVigil } from './helpers.js';

/** A Vigil started (with startTestVigil's arguments) before the suite's tests and stopped after them. */
export function useTestVigil(...args: Parameters<typeof startTestVigil>): TestVigil {
  return useStarted(
    () => startTestVigil(...args),
    (t) => t.stop(),
  );
}

/** A fixture site started before the suite's tests and closed after them. */
export function useFixtureSite(): FixtureSite {
  return useStarted(startFixtureSite, (site) => site.close());
}

/** A webhook receiver started before the suite's tests and closed after them. */
export function useReceiver(): Receiver {
  return useStarted(
    () => startReceiver(),
    (receiver) => receiver.close(),
  );
}

/** An object filled by `start` in a `before` hook and handed to `stop` in an `after` hook. */
function useStarted<T extends object>(start: () => Promise<T>, stop: (part: T) => Promise<void>): T {
  const part = {} as T;
  let started = false;
  before(async () => {
    Object.assign(part, await start());
    started = true;
  });
  // A failed start leaves nothing to stop; the failure itself is what the run reports.
  after(() => (started ? stop(part) : undefined));
  return part;
}
