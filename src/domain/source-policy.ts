// Its own file because monitors and tasks both carry one, and monitor.ts already imports task.ts.
/** Which sources a run may use (api.md, `source_policy`). */
export interface SourcePolicy { include_domains?: string[]; exclude_domains?: string[]; after_date?: string | null }
