import type { ModelPrices, ModelUsage } from '../domain/model-usage.js';

export type { ModelPrices, ModelUsage };

/** Adds up what one piece of work spends; the runner commits it with the work's outcome. */
export class UsageMeter {
  private readonly totals: ModelUsage;

  constructor(
    model: string,
    private readonly prices: ModelPrices = {},
  ) {
    this.totals = { model, requests: 0, promptTokens: 0, completionTokens: 0, costUsd: null };
  }

  /** Records one answered request and the tokens the server counted for it (zero when it counted none). */
  add(usage: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): void {
    this.totals.requests += 1;
    this.totals.promptTokens += usage?.prompt_tokens ?? 0;
    this.totals.completionTokens += usage?.completion_tokens ?? 0;
  }

  /** The totals so far, with their cost when prices are configured. */
  snapshot(): ModelUsage {
    const { input, output } = this.prices;
    const priced = input !== undefined || output !== undefined;
    const costUsd = priced ? (this.totals.promptTokens * (input ?? 0) + this.totals.completionTokens * (output ?? 0)) / 1_000_000 : null;
    return { ...this.totals, costUsd };
  }

  /** Whether any request was made. */
  get used(): boolean {
    return this.totals.requests > 0;
  }
}
