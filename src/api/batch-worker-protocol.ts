/** Messages between the identification service and its batch worker thread. */

/** What the worker opens by itself: the store of models and intel, and the geolocation files. */
export interface BatchWorkerSource {
  /** SQLite store file (not ':memory:': the worker opens its own connection). */
  db: string;
  geo?: { asnDb?: string; countryDb?: string; asnRanges?: { v4: string; v6?: string } };
  /** Poll the registry for newly activated models every this many ms (hot swap). */
  reloadMs?: number;
  /** Nice value of the worker thread (Linux): batches yield the CPU to single requests. Default 10. */
  nice?: number;
}

export type ToWorker =
  | { t: 'begin'; id: number }
  | { t: 'chunk'; id: number; b: Uint8Array }
  | { t: 'end'; id: number }
  | { t: 'score'; id: number }
  | { t: 'drop'; id: number }
  | { t: 'reload' }
  | { t: 'close' };

export type ToMain =
  | { t: 'parsed'; id: number; items: number }
  | { t: 'result'; id: number; body: Uint8Array }
  | { t: 'error'; id: number; kind: 'syntax' | 'invalid' | 'internal'; path?: string; message: string }
  | { t: 'reloaded'; version: number | null };
