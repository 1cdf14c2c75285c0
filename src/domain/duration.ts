/** Seconds per unit of a `<n><unit>` duration such as `5m`, `6h` or `2w`. */
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

export type DurationUnit = keyof typeof UNIT_SECONDS;

/** Parses `<integer><ms|s|m|h|d|w>` into seconds; undefined when the text is not of that form. */
export function parseDuration(text: string): { seconds: number; unit: DurationUnit } | undefined {
  const match = /^(\d{1,9})(ms|[smhdw])$/.exec(text);
  if (!match) return undefined;
  const unit = match[2] as DurationUnit;
  return { seconds: Number(match[1]) * UNIT_SECONDS[unit], unit };
}
