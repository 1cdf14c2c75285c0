// Ids the user opened or created this session, for the resources the API cannot list (task runs,
// evaluation monitors). Kept in sessionStorage beside the key, and dropped with the session.
const LIMIT = 20;

/** The remembered ids of a kind, newest first. */
export function recentIds(kind) {
  try {
    return JSON.parse(sessionStorage.getItem(`vigil.recent.${kind}`) ?? '[]');
  } catch {
    return [];
  }
}

/** Remembers an id of a kind. */
export function remember(kind, id) {
  const ids = [id, ...recentIds(kind).filter((x) => x !== id)].slice(0, LIMIT);
  sessionStorage.setItem(`vigil.recent.${kind}`, JSON.stringify(ids));
}
