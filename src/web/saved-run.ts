import type { CheckpointFileMap } from '../train/checkpoint-store.js';
import type { ModelChoice, RunSettings } from './protocol.js';

// A run's inputs and its newest checkpoint in the browser's IndexedDB, so that a stopped run (or one
// cut off by a reload) resumes where it was: the model choice (a URL, or the picked files themselves),
// the data file's bytes, the settings, and the checkpoint's files.

const DB_NAME = 'lora-lab';
const STORE = 'run';

export interface SavedRun {
  model: ModelChoice;
  modelName: string;
  data: { name: string; bytes: ArrayBuffer };
  settings: RunSettings;
  totalSteps: number;
  checkpoint: { step: number; files: CheckpointFileMap } | null;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => T): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('The browser storage refused the write.'));
    });
  } finally {
    db.close();
  }
}

/** Records a new run's inputs (no checkpoint yet), replacing any earlier run. */
export async function saveRunStart(run: Omit<SavedRun, 'checkpoint'>): Promise<void> {
  await transact('readwrite', (store) => {
    store.put(run, 'inputs');
    store.delete('checkpoint');
  });
}

/** Replaces the saved run's checkpoint with a newer one. */
export async function saveRunCheckpoint(step: number, files: CheckpointFileMap): Promise<void> {
  await transact('readwrite', (store) => store.put({ step, files }, 'checkpoint'));
}

export async function loadSavedRun(): Promise<SavedRun | null> {
  const [inputs, checkpoint] = await transact(
    'readonly',
    (store) =>
      [
        store.get('inputs') as IDBRequest<Omit<SavedRun, 'checkpoint'> | undefined>,
        store.get('checkpoint') as IDBRequest<SavedRun['checkpoint'] | undefined>,
      ] as const,
  );
  return inputs.result ? { ...inputs.result, checkpoint: checkpoint.result ?? null } : null;
}

export async function clearSavedRun(): Promise<void> {
  await transact('readwrite', (store) => {
    store.delete('inputs');
    store.delete('checkpoint');
  });
}
