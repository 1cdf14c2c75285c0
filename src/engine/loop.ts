import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';

/** A background loop: idempotent start/stop, and a wake-up hint that cuts its wait short. */
export interface Loop {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

/**
 * Runs `tick` until stopped. A tick returns true when it may have more work at once; otherwise the
 * loop sleeps `intervalMs` or until woken. A tick that throws is logged and retried after a backoff
 * with jitter that grows with consecutive failures: background loops never throw.
 */
export function createLoop(name: string, tick: () => Promise<boolean>, options: { intervalMs: number; log: FastifyBaseLogger }): Loop {
  let running: Promise<void> | undefined;
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      let more = false;
      try {
        more = await tick();
        failures = 0;
      } catch (err) {
        failures += 1;
        options.log.error({ err, loop: name, failures }, `${name} loop failed; retrying`);
      }
      if (stopping) break;
      const backoff = failures > 0 ? Math.min(30_000, options.intervalMs * 2 ** failures) * (0.5 + Math.random()) : 0;
      if (!more || failures > 0) await sleep(Math.max(options.intervalMs, backoff));
      // Store calls on SQLite settle without returning to the event loop: a loop with more work at once
      // still lets signals, requests and timers in between its ticks.
      else await yieldToEventLoop();
      woken = false;
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      running = run();
    },
    async stop() {
      stopping = true;
      wakeUp?.();
      await running;
      running = undefined;
    },
    wake() {
      woken = true;
      wakeUp?.();
    },
  };
}
