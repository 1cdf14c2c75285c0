/** Per-host politeness settings. */
export interface GateOptions {
  /** Requests in flight to one host at once. */
  concurrency: number;
  /** Least time between the starts of two requests to one host. */
  spacingMs: number;
  now: () => number;
}

/** A request to a host that its `Retry-After` forbids until after the caller's deadline. */
export class HostBackoffError extends Error {
  constructor(
    readonly host: string,
    readonly notBefore: number,
    readonly deadline: number,
  ) {
    super(
      `${host} asked (Retry-After) not to be contacted before ${new Date(notBefore).toISOString()}, ` +
        `which is after this execution's deadline (${new Date(deadline).toISOString()}); the request was not sent`,
    );
    this.name = 'HostBackoffError';
  }
}

interface Waiter {
  deadline: number;
  start: (release: () => void) => void;
  fail: (err: unknown) => void;
}

interface HostState {
  active: number;
  lastStart: number;
  /** Set from `Retry-After`: no request starts before this time. */
  notBefore: number;
  queue: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

/** Admits requests to each host: at most `concurrency` at once, `spacingMs` apart, none before a `Retry-After`. */
export class HostGates {
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly options: GateOptions) {}

  /** Waits for a slot on `host`; the returned function frees it. Fails at once when `Retry-After` outlasts `deadline`. */
  acquire(host: string, deadline: number, signal: AbortSignal): Promise<() => void> {
    const state = this.state(host);
    if (state.notBefore > deadline) return Promise.reject(new HostBackoffError(host, state.notBefore, deadline));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        state.queue = state.queue.filter((w) => w !== waiter);
        this.idle(state);
        reject(signal.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = {
        deadline,
        start: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      if (signal.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      state.queue.push(waiter);
      this.pump(host, state);
    });
  }

  /** Records a host's `Retry-After`: nothing is sent to it before `until`. */
  backOff(host: string, until: number): void {
    const state = this.state(host);
    state.notBefore = Math.max(state.notBefore, until);
    // Waiters whose deadline comes first are told now rather than at their deadline.
    for (const waiter of state.queue.filter((w) => w.deadline < state.notBefore)) {
      state.queue = state.queue.filter((w) => w !== waiter);
      waiter.fail(new HostBackoffError(host, state.notBefore, waiter.deadline));
    }
    this.idle(state);
  }

  /** When a host may next be contacted, if it has asked to be left alone. */
  notBefore(host: string): number {
    return this.hosts.get(host)?.notBefore ?? 0;
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      if (this.hosts.size >= 10_000) for (const [name, old] of this.hosts) this.forget(name, old);
      state = { active: 0, lastStart: -Infinity, notBefore: 0, queue: [], timer: undefined };
      this.hosts.set(host, state);
    }
    return state;
  }

  private pump(host: string, state: HostState): void {
    if (state.timer) return;
    while (state.queue.length > 0 && state.active < this.options.concurrency) {
      const now = this.options.now();
      const wait = Math.max(state.lastStart + this.options.spacingMs, state.notBefore) - now;
      if (wait > 0) {
        // Referenced: a request waiting for its turn is work in flight (a stopping process waits for it).
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.pump(host, state);
        }, wait);
        return;
      }
      const waiter = state.queue.shift() as Waiter;
      state.active += 1;
      state.lastStart = now;
      let released = false;
      waiter.start(() => {
        if (released) return;
        released = true;
        state.active -= 1;
        this.pump(host, state);
        this.forget(host, state);
      });
    }
    this.forget(host, state);
  }

  /** With nobody left waiting, a pending timer must not keep a stopping process alive. */
  private idle(state: HostState): void {
    if (state.queue.length === 0 && state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  /** Idle hosts with nothing to remember are dropped, so the map does not grow with every host ever seen. */
  private forget(host: string, state: HostState): void {
    const now = this.options.now();
    if (state.active === 0 && state.queue.length === 0 && !state.timer && state.notBefore <= now && state.lastStart + this.options.spacingMs <= now) {
      this.hosts.delete(host);
    }
  }
}
