import OpenAI, { APIError } from 'openai';
import type { OutboundClient } from '../outbound/http.js';
import { outboundFetch } from './model-fetch.js';
import { parseModelJson, schemaProblem } from './model-json.js';
import { ModelError, withRetries, type ModelCall } from './model-retry.js';
import { UsageMeter } from './model-usage.js';

export { ModelError, type ModelCall } from './model-retry.js';
export { UsageMeter, type ModelUsage } from './model-usage.js';

/** A model server: where, which models, limits and prices (USD per million tokens). */
export interface LlmConfig {
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly embeddingModel?: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly priceInput?: number;
  readonly priceOutput?: number;
}

/** One question whose answer must be a JSON object matching `schema`. */
export interface JsonRequest {
  /** A short name for the schema (letters, digits, _ and -), as structured outputs require. */
  name: string;
  schema: Record<string, unknown>;
  system: string;
  user: string;
  /** Sampling temperature (default 0: the most likely answer). Independent passes ask for more than 0, or they repeat one answer. */
  temperature?: number;
}

/** A model call's work: its deadline, abort signal and the meter its tokens are counted on. */
export interface ModelWork extends ModelCall {
  readonly usage: UsageMeter;
}

/** The one client of the configured OpenAI-compatible model server (VIGIL_LLM_*). */
export interface ModelClient {
  readonly model: string;
  /** Whether an embedding model is configured (VIGIL_LLM_EMBEDDING_MODEL). */
  readonly canEmbed: boolean;
  /** A fresh meter for one piece of work, priced at the configured prices. */
  meter(): UsageMeter;
  /** Asks for a JSON answer matching the schema: structured outputs where supported, else JSON mode and one repair. */
  json<T>(request: JsonRequest, work: ModelWork): Promise<T>;
  /** Embedding vectors of `texts`, in order (only when `canEmbed`). */
  embed(texts: string[], work: ModelWork): Promise<number[][]>;
}

// How the server is asked for JSON: downgraded for good when it rejects a form (400), per process.
type JsonMode = 'json_schema' | 'json_object' | 'prompt';
const DOWNGRADE: Record<JsonMode, JsonMode | undefined> = { json_schema: 'json_object', json_object: 'prompt', prompt: undefined };
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** One configured model server, as the client's parts share it. */
interface Server {
  readonly config: LlmConfig;
  readonly model: string;
  readonly sdk: OpenAI;
  readonly slots: <T>(task: () => Promise<T>) => Promise<T>;
  /** The JSON form asked for now (see DOWNGRADE). */
  mode: JsonMode;
}

/** The model client of this configuration, sending through `http` (the address guard), or undefined when none is configured. */
export function createModelClient(config: LlmConfig, http: OutboundClient): ModelClient | undefined {
  if (!config.baseUrl || !config.model) return undefined;
  const model = config.model;
  const sdk = new OpenAI({
    baseURL: config.baseUrl,
    apiKey: config.apiKey ?? 'none',
    fetch: outboundFetch(http),
    maxRetries: 0,
    timeout: config.timeoutMs,
  });
  const server: Server = { config, model, sdk, slots: semaphore(config.concurrency), mode: 'json_schema' };
  return {
    model,
    canEmbed: config.embeddingModel !== undefined,
    meter: () => new UsageMeter(model, { input: config.priceInput, output: config.priceOutput }),
    json: <T>(request: JsonRequest, work: ModelWork) => askJson<T>(server, request, work),
    embed: (texts: string[], work: ModelWork) => embed(server, texts, work),
  };
}

async function complete(server: Server, messages: Message[], request: JsonRequest, work: ModelWork): Promise<string> {
  for (;;) {
    const tried = server.mode;
    try {
      return await server.slots(() =>
        withRetries(work, server.config.timeoutMs, async (timeout) => {
          const answer = await server.sdk.chat.completions.create(
            {
              model: server.model,
              messages,
              temperature: request.temperature ?? 0,
              response_format: responseFormat(tried, request),
            },
            { timeout, signal: work.signal },
          );
          work.usage.add(answer.usage);
          return answer.choices[0]?.message?.content ?? '';
        }),
      );
    } catch (err) {
      // A server without structured outputs answers 400 (or 422) to the form it does not know: ask more plainly.
      const next = DOWNGRADE[tried];
      if (next && isFormatRejection(err)) {
        if (server.mode === tried) server.mode = next;
        continue;
      }
      throw err;
    }
  }
}

/** `ModelClient.json`: one ask, and one repair when the answer is not usable. */
async function askJson<T>(server: Server, request: JsonRequest, work: ModelWork): Promise<T> {
  const messages: Message[] = [
    { role: 'system', content: `${request.system}\n\nAnswer with one JSON object only, matching this JSON schema:\n${JSON.stringify(request.schema)}` },
    { role: 'user', content: request.user },
  ];
  const first = await complete(server, messages, request, work);
  const checked = check(first, request.schema);
  if (!('problem' in checked)) return checked.value as T;
  // One repair: the model sees its answer and what is wrong with it.
  messages.push(
    { role: 'assistant', content: first },
    {
      role: 'user',
      content: `That answer ${checked.problem}. Answer again with only the corrected JSON object.`,
    },
  );
  const second = check(await complete(server, messages, request, work), request.schema);
  if ('problem' in second) {
    throw new ModelError(`the model's answer for ${request.name} was unusable after one repair attempt: it ${second.problem}`);
  }
  return second.value as T;
}

/** `ModelClient.embed`. */
async function embed(server: Server, texts: string[], work: ModelWork): Promise<number[][]> {
  const { config } = server;
  if (!config.embeddingModel) throw new ModelError('no embedding model is configured (VIGIL_LLM_EMBEDDING_MODEL)');
  const embeddingModel = config.embeddingModel;
  const answer = await server.slots(() =>
    withRetries(work, config.timeoutMs, (timeout) =>
      server.sdk.embeddings.create({ model: embeddingModel, input: texts, encoding_format: 'float' }, { timeout, signal: work.signal }),
    ),
  );
  work.usage.add({ prompt_tokens: answer.usage?.prompt_tokens });
  return [...answer.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
}

function responseFormat(mode: JsonMode, request: JsonRequest): OpenAI.Chat.Completions.ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_schema') return { type: 'json_schema', json_schema: { name: request.name, schema: request.schema, strict: false } };
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

function isFormatRejection(err: unknown): boolean {
  const status: unknown = err instanceof ModelError || err instanceof APIError ? err.status : undefined;
  return status === 400 || status === 422;
}

function check(text: string, schema: Record<string, unknown>): { value: unknown } | { problem: string } {
  const parsed = parseModelJson(text);
  if ('problem' in parsed) return parsed;
  const problem = schemaProblem(schema, parsed.value);
  return problem === null ? parsed : { problem: `does not match the schema: ${problem}` };
}

/** Runs at most `limit` tasks at once; the rest wait their turn in order. */
function semaphore(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/** Cosine similarity of two embedding vectors (1: same direction). */
export function cosineSimilarity(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
