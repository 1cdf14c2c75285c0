// Its own file so that the wire schemas can use these limits without importing the rules (which import the types).
/** Request-shape limits of monitors and webhooks (README, "Limits and isolation"). */
export const REQUEST_LIMITS = {
  /** Characters of a webhook or source URL (what browsers and most servers accept). */
  urlChars: 2048,
  /** Entries of `settings.sources`. */
  sources: 100,
  /** Entries of `include_domains` and of `exclude_domains` (api.md §1.7: 200 together). */
  domains: 200,
  /** Keys of `metadata`. */
  metadataKeys: 50,
} as const;
