// The dashboard is one more client of Vigil's public JSON API: every call carries the signed-in key.
const KEY = 'vigil.apiKey';
const listeners = new Set();

/** The key kept for this browser session only (sessionStorage, never localStorage or a cookie). */
export function currentKey() {
  return sessionStorage.getItem(KEY);
}

/** Remembers the key for this browser tab's session. */
export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

/** Forgets the key; `reason` is shown on the sign-in page. */
export function signOut(reason) {
  sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(reason);
}

/** Calls `listener(reason)` whenever the user is signed out (by a 401 or the button). */
export function onSignOut(listener) {
  listeners.add(listener);
}

/** An API failure: the HTTP status, the envelope's message and its per-field problems. */
export class ApiError extends Error {
  constructor(status, body) {
    const message = body?.error?.message ?? body?.message ?? `The server answered ${status}`;
    super(message);
    this.status = status;
    this.problems = body?.error?.detail?.errors ?? [];
  }
}

/**
 * Calls the API. A 401 means the key no longer works (revoked, or wrong): the user is signed out at
 * once with the server's message, and the call still rejects so the page stops what it was doing.
 */
export async function api(method, path, body, key = currentKey()) {
  const headers = { authorization: `Bearer ${key ?? ''}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (response.status === 401 && key === currentKey()) {
    signOut(`You have been signed out: ${new ApiError(401, data).message}`);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
