/** The kinds of work that spend model tokens (the `work_kind` of `model_usage`). */
export type ModelWorkKind = 'execution' | 'task_run' | 'evaluation' | 'findall_run';

/** Tokens and requests one piece of work (an execution, a task run) spent on the model server. */
export interface ModelUsage {
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** USD at the configured prices; null when no price is configured. */
  costUsd: number | null;
}

/** Prices in USD per million tokens (VIGIL_LLM_PRICE_INPUT / _OUTPUT). */
export interface ModelPrices {
  input?: number;
  output?: number;
}
