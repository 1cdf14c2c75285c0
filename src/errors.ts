/**
 * The one error type of Vigil and its catalog. Every non-2xx response is made from an AppError
 * (api/error-handler.ts maps it to the `{type:"error", error:{ref_id, message, detail}}` envelope).
 */
export const ERRORS = {
  WEBHOOK_NOT_CONFIGURED: { status: 400, message: 'Webhook not configured' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized: invalid or missing credentials' },
  INVALID_PROCESSOR: { status: 403, message: 'Forbidden: invalid processor in request' },
  MONITOR_NOT_FOUND: { status: 404, message: 'Monitor not found' },
  RUN_NOT_FOUND: { status: 404, message: 'Run id not found' },
  /** What `GET …/result` says of a run that failed, or of none (api.md §5.1). */
  RUN_RESULT_NOT_FOUND: { status: 404, message: 'Run failed or run id not found' },
  RUN_STILL_ACTIVE: { status: 408, message: 'Request timed out; run still active' },
  /** The legacy API's name for a missing monitor (api.md §4.1). */
  SCHEDULE_NOT_FOUND: { status: 404, message: 'Schedule not found' },
  EVENT_GROUP_NOT_FOUND: { status: 404, message: 'Event group not found' },
  DELIVERY_NOT_FOUND: { status: 404, message: 'Webhook delivery not found' },
  EVALUATION_NOT_FOUND: { status: 404, message: 'Event not found' },
  FILE_NOT_FOUND: { status: 404, message: 'File not found' },
  KEY_NOT_FOUND: { status: 404, message: 'API key not found' },
  FINDALL_NOT_FOUND: { status: 404, message: 'FindAll run not found' },
  /** api.md §6.1; sent with `x-should-retry: false` (every non-retryable 4xx is), so SDKs do not retry it. */
  FINDALL_TERMINATED: { status: 409, message: 'Cannot cancel a terminated FindAll run' },
  /** DeepRails: inactive monitors "no longer record and evaluate events" (api.md §7.3). */
  MONITOR_INACTIVE: { status: 409, message: 'Monitor is inactive: it does not record or evaluate events' },
  ROUTE_NOT_FOUND: { status: 404, message: 'Not found' },
  VALIDATION: { status: 422, message: 'Unprocessable content: request validation error' },
  INVALID_CURSOR: { status: 422, message: 'Unprocessable content: invalid cursor or request validation error' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: quota temporarily exceeded' },
  INTERNAL: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One problem with a request: where (`loc`, e.g. `["body","settings","query"]`) and which rule. */
export interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An error with a catalog code, an optional explanation and structured detail. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: Record<string, unknown> | null;

  constructor(code: ErrorCode, options: { explain?: string; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    const base = ERRORS[code].message;
    super(options.explain ? `${base}: ${options.explain}` : base, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = options.detail ?? null;
  }
}

/** A 422 naming each problem's field and rule, in the message and in `detail.errors`. */
export function validationError(problems: Problem[], code: 'VALIDATION' | 'INVALID_CURSOR' = 'VALIDATION'): AppError {
  const explain = problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; ');
  return new AppError(code, { explain, detail: { errors: problems } });
}

/** Shorthand for a single-problem 422. */
export function invalid(loc: (string | number)[], msg: string, type = 'value_error'): AppError {
  return validationError([{ loc, msg, type }]);
}
