import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogFanout, LogRow, LogSource } from '../delivery/log-fanout.js';
import { openSse } from './sse.js';

/**
 * A subscriber whose socket holds this many unsent bytes is dropped (its connection closed) rather
 * than buffered without end; its client resumes from the last `event_id` it received.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** A comment line goes out after this long without an event, so proxies keep the stream open. */
export const PING_MS = 15_000;
/** A stream without `timeout` closes after an hour; clients resume with the last `event_id`. */
export const DEFAULT_STREAM_S = 3600;
// Timers overflow past 2^31 - 1 ms (24.8 days) and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What one stream serves: a scope of a log, from after a position, each row as its SSE frame. */
export interface LogStreamSpec<R extends LogRow> {
  fanout: LogFanout;
  source: LogSource<R>;
  scope: string;
  afterSeq: number;
  /** The row's frame (see `memoFrames`), or undefined for a row this stream does not show. */
  frame(row: R): Buffer | undefined;
  /** Seconds after which the stream ends; the default is DEFAULT_STREAM_S. */
  timeoutS?: number;
  /** A per-stream look at the log's owner: whether to end now, and a heartbeat while idle. */
  watch?: StreamWatch<R>;
}

/**
 * What a stream whose log can finish (a FindAll run's) asks of its owner. `check` runs at the start,
 * after each row that `mayEnd` picks out, and after `idleMs` without a frame (then `idle` is true);
 * `position` is the last row handed to this stream. It answers whether everything is sent and the
 * stream should end, and may give a frame to send (a heartbeat, dropped if rows came meanwhile). Checks are per stream, so they are
 * kept rare: the rows themselves still come from the shared fan-out.
 */
export interface StreamWatch<R> {
  idleMs: number;
  mayEnd(row: R): boolean;
  check(position: number, idle: boolean): Promise<{ end: boolean; frame?: Buffer }>;
}

/**
 * Serves a log over SSE through the process's fan-out: every row after the resume position, then
 * live ones, until the client goes away, `timeout` passes, the process stops, or the client reads
 * too slowly (dropped). Resolves when the stream has ended.
 */
export function serveLogStream<R extends LogRow>(reply: FastifyReply, spec: LogStreamSpec<R>): Promise<void> {
  const stream = openSse(reply);
  return new Promise((resolve) => {
    const activity = { lastWrite: Date.now() };
    let finished = false;
    // A replay waiting for the socket to drain must not outlive the stream (a stop ends a stalled one).
    let onFinish!: () => void;
    const ended = new Promise<void>((r) => {
      onFinish = r;
    });
    let position = spec.afterSeq;
    const watch = spec.watch;
    let idleTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => finish(false), Math.min((spec.timeoutS ?? DEFAULT_STREAM_S) * 1000, MAX_TIMER_MS));
    const pinger = startPinger(stream, activity);
    const subscription = spec.fanout.subscribe(spec.source, spec.scope, spec.afterSeq, {
      push: (row) => {
        position = row.seq;
        if (watch?.mayEnd(row)) ask(false);
        const frame = spec.frame(row);
        if (frame === undefined) return true;
        activity.lastWrite = Date.now();
        return stream.write(frame) <= MAX_BUFFERED_BYTES;
      },
      end: (reason) => finish(reason === 'dropped'),
      drained: () => Promise.race([stream.drained(), ended]),
    });
    function finish(drop: boolean) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(pinger);
      clearTimeout(idleTimer);
      subscription.close();
      if (drop) stream.destroy();
      else stream.end();
      onFinish();
      resolve();
    }
    /** Runs the watch's check; a failed check is retried at the next idle round. */
    function ask(idle: boolean) {
      if (!watch || finished) return;
      const at = position;
      watch.check(at, idle).then(
        (answer) => {
          if (finished) return;
          // A frame built for an older position would go out after newer rows: it is dropped.
          if (answer.frame !== undefined && position === at) {
            stream.write(answer.frame);
            activity.lastWrite = Date.now();
          }
          if (answer.end) finish(false);
        },
        () => {},
      );
    }
    /** Wakes when the stream has been idle `idleMs`, checks, and sleeps again. */
    function idleRound() {
      if (!watch || finished) return;
      const due = activity.lastWrite + watch.idleMs - Date.now();
      if (due > 0) {
        idleTimer = setTimeout(idleRound, due);
        return;
      }
      ask(true);
      idleTimer = setTimeout(idleRound, watch.idleMs);
    }
    if (stream.closed.aborted) finish(false);
    else stream.closed.addEventListener('abort', () => finish(false), { once: true });
    ask(false);
    if (watch) idleTimer = setTimeout(idleRound, watch.idleMs);
  });
}

/**
 * Builds each row's frame once, however many subscribers receive it: the fan-out hands the same
 * row object to all of them.
 */
export function memoFrames<R extends object>(build: (row: R) => Buffer): (row: R) => Buffer {
  const frames = new WeakMap<R, Buffer>();
  return (row) => {
    let frame = frames.get(row);
    if (frame === undefined) {
      frame = build(row);
      frames.set(row, frame);
    }
    return frame;
  };
}

/** The resume point a client sent: `last_event_id` (query) first, else the standard `Last-Event-ID` header. */
export function lastEventIdOf(request: FastifyRequest): { value: string; via: 'query' | 'header' } | undefined {
  const query = request.query as { last_event_id?: string | null };
  if (query.last_event_id !== undefined && query.last_event_id !== null && query.last_event_id !== '') {
    return { value: query.last_event_id, via: 'query' };
  }
  const header = request.headers['last-event-id'];
  return typeof header === 'string' && header !== '' ? { value: header, via: 'header' } : undefined;
}

/** Pings a stream that has written nothing for half of PING_MS, so that proxies and clients keep it open. */
function startPinger(stream: { ping(): void }, activity: { lastWrite: number }): NodeJS.Timeout {
  return setInterval(() => {
    if (Date.now() - activity.lastWrite < PING_MS / 2) return;
    stream.ping();
    activity.lastWrite = Date.now();
  }, PING_MS);
}
