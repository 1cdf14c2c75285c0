// What a FindAll run asks research to find: plain data shared by the run's record (domain/, store/)
// and the research that does the work (research/findall/seam.ts re-exports it).

import type { FindAllSchemaResponse, MatchCondition } from './findall-schemas.js';

/** One condition every matched entity must satisfy (`match_conditions[]`). */
export type { MatchCondition } from './findall-schemas.js';

/** What `ingest` makes of an objective: the FindAll schema without generator or limit. */
export type IngestedSchema = Pick<FindAllSchemaResponse, 'objective' | 'entity_type' | 'match_conditions'>;

/** What a run asks research to find. */
export interface FindAllSpec {
  objective: string;
  entity_type: string;
  match_conditions: MatchCondition[];
  /** Entities never to generate (matched by canonical URL or by name, case-insensitively). */
  exclude_list: { name: string; url: string }[];
  /** Our extension: URLs to read besides those written in the objective. */
  sources: string[];
}
