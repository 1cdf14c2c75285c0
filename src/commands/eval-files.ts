import type { EvalFile } from '../domain/evaluation.js';
import { ID } from '../domain/ids.js';
import type { Store } from '../store/db.js';
import { insertEvalFile } from '../store/eval-monitors.repository.js';

/** An uploaded file as the request gave it, with the text `file_search` can use. */
export type UploadedFile = Pick<EvalFile, 'name' | 'size' | 'contentType' | 'text'>;

/** Stores an upload's files in one transaction (all or none) and returns them with their new ids. */
export async function storeEvalFiles(deps: { store: Store; clock: () => number }, accountId: string, files: UploadedFile[]): Promise<EvalFile[]> {
  const createdAt = deps.clock();
  const stored = files.map((f): EvalFile => ({ ...f, id: ID.evalFile(), accountId, createdAt }));
  await deps.store.db.transaction().execute(async (tx) => {
    for (const f of stored) await insertEvalFile(tx, f);
  });
  return stored;
}
