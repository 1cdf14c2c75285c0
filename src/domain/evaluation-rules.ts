import type { Problem } from '../errors.js';
import { SEARCHLESS_RUN_MODES, type EvalMonitorSettings, type RunMode } from './evaluation.js';
import { checkWebhookUrl } from './monitor-rules.js';

/** Problems with a monitor's settings: its webhook URL and that every file it searches exists. */
export function checkEvalMonitorSettings(settings: EvalMonitorSettings, knownFileIds: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  if (settings.webhook) problems.push(...checkWebhookUrl(settings.webhook.url, ['body', 'webhook', 'url']));
  settings.fileSearch.forEach((id, i) => {
    if (!knownFileIds.has(id))
      problems.push({ loc: ['body', 'file_search', i], msg: `no uploaded file has id "${id}" (upload it with POST /files/upload)`, type: 'file_not_found' });
  });
  return problems;
}

/** Generation C refuses its fastest run modes on monitors with web or file search (api.md §7.2). */
export function checkRunMode(runMode: RunMode, settings: EvalMonitorSettings): Problem[] {
  if (!SEARCHLESS_RUN_MODES.includes(runMode) || (!settings.webSearch && settings.fileSearch.length === 0)) return [];
  return [{ loc: ['body', 'run_mode'], msg: `"${runMode}" cannot be used on a monitor with web_search or file_search`, type: 'run_mode' }];
}
