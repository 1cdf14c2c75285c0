// What the list shows about timing, derived from what the API returns.
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds of a frequency such as "30m", "6h" or "1w"; null when it is not one. */
export function frequencySeconds(frequency) {
  const match = /^(\d+)\s*([smhdw])$/.exec(String(frequency ?? '').trim());
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]] : null;
}

/**
 * When the next scheduled run is due: the last run plus the frequency (the scheduler counts from the
 * last run too). A monitor that has not run yet runs at once, and a cancelled one never.
 */
export function nextRun(monitor) {
  if (monitor.status !== 'active') return null;
  const seconds = frequencySeconds(monitor.frequency);
  if (!monitor.last_run_at || seconds === null) return null;
  return new Date(Date.parse(monitor.last_run_at) + seconds * 1000).toISOString();
}
