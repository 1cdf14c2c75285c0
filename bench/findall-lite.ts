// FindAll `lite` research over the fixture directory (test/fixtures/findall-site.ts): generation from
// the directory (table, ItemList, the feed it advertises) and judging every candidate on its page,
// against a floor measured in the same run: the same outbound client fetching the same pages, in the
// same order, without parsing or judging. Prints the best of ROUNDS for each and their ratio
// (floor time / lite time: 1 would be "reading costs nothing beyond fetching").
// Network rule: every request goes to the fixture site on 127.0.0.1.
import { performance } from 'node:perf_hooks';
import { startFindAllSite } from '../test/fixtures/findall-site.js';
import { createOutboundClient } from '../src/outbound/http.js';
import { DEFAULT_PARSE_LIMITS } from '../src/research/parse-limits.js';
import { createParsePool } from '../src/research/isolate/parse-pool.js';
import { liteFindAll } from '../src/research/findall/lite.js';
import type { CandidateSeed, ResearchContext } from '../src/research/findall/seam.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
  const site = await startFindAllSite();
  const http = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-bench/1' });
  const parser = createParsePool({ threads: 2, timeoutMs: 60_000, memoryMb: 256, ...DEFAULT_PARSE_LIMITS });
  await parser.ready();
  const ctx: ResearchContext = { http, parser, signal: new AbortController().signal, clock: Date.now };
  const spec = { ...liteFindAll.ingest(`Find AI companies in Berlin that raised a Series A in 2024 listed on ${site.url}/`), exclude_list: [], sources: [] };
  const pages = [`${site.url}/`, `${site.url}/feed.xml`, ...site.companies.map((c) => site.companyUrl(c.slug))];
  try {
    let lite = Infinity;
    let floor = Infinity;
    let matched = 0;
    let candidates = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const f0 = performance.now();
      for (const url of pages) await http.request(url, { headers: { accept: 'text/html' } });
      floor = Math.min(floor, performance.now() - f0);
      const l0 = performance.now();
      const seeds: CandidateSeed[] = [];
      for await (const seed of liteFindAll.generate(spec, ctx)) seeds.push(seed);
      matched = 0;
      for (const seed of seeds) if ((await liteFindAll.judge(seed, spec, ctx)).matched) matched += 1;
      candidates = seeds.length;
      lite = Math.min(lite, performance.now() - l0);
    }
    console.log(`pages fetched: ${pages.length}; candidates: ${candidates}; matched: ${matched}`);
    console.log(
      `floor (fetch only): ${floor.toFixed(1)} ms; lite (generate + judge): ${lite.toFixed(1)} ms; ${(lite / candidates).toFixed(1)} ms per candidate`,
    );
    console.log(`ratio floor/lite: ${(floor / lite).toFixed(2)} (best of ${ROUNDS})`);
  } finally {
    await parser.close();
    await http.close();
    await site.close();
  }
}

await main();
