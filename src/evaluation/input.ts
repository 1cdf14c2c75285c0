/** What a scorer reads: one submitted evaluation event, with the monitor's files as text. */
export interface EvaluationInput {
  userPrompt: string;
  systemPrompt?: string;
  groundTruth?: string;
  /** `model_input.context`, each entry's content (strings, or `{role, content}` flattened). */
  context: string[];
  /** Text of the monitor's uploaded files, usable as evidence (`file_search`). */
  files: string[];
  modelOutput: string;
}
