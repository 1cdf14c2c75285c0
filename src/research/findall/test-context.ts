// For the tests beside this code: a research context on a real outbound client (loopback allowed)
// and a real parse pool, both closed after the test file.
import { after } from 'node:test';
import { createOutboundClient } from '../../outbound/http.js';
import { DEFAULT_PARSE_LIMITS } from '../parse-limits.js';
import { createParsePool } from '../isolate/parse-pool.js';
import type { ResearchContext } from './seam.js';

/** Call at a test file's top level (its clean-up is registered with `after`). A context whose http reaches 127.0.0.0/8 only, with a one-thread parse pool; `signal` defaults to never aborting. */
export function testResearchContext(signal: AbortSignal = new AbortController().signal): ResearchContext {
  const http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-test/1' });
  const parser = createParsePool({ threads: 1, timeoutMs: 60_000, memoryMb: 256, ...DEFAULT_PARSE_LIMITS });
  after(async () => {
    await parser.close();
    await http.close();
  });
  return { http, parser, signal, clock: Date.now };
}
