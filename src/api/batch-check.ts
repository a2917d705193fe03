/**
 * B-1 batch checks shared by the in-thread path and the batch worker: the same rules as identifyBatchSchema,
 * item by item, so an error names the path of the first bad field ('items[3].traffic.flows[0].peer').
 */
import {
  identifyBatchSchema,
  identifyRequestSchema,
  MAX_BATCH,
  fastRequestOk,
  type IdentifyRequest,
} from '../identify/index.js';

export class ValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** zod issue path → 'items[3].traffic.flows[0].peer' */
export function pathText(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(body)';
}

/** The batch's items when its outer shape is the common one; otherwise zod's verdict on the whole body. */
export function batchItems(body: unknown): unknown[] | IdentifyRequest[] {
  const b = body as { items?: unknown } | null;
  const shapeOk =
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(b) &&
    Object.keys(b).every((k) => k === 'items') &&
    Array.isArray(b.items) &&
    b.items.length >= 1 &&
    b.items.length <= MAX_BATCH;
  if (shapeOk) return (b as { items: unknown[] }).items;
  const r = identifyBatchSchema.safeParse(body);
  if (r.success) return r.data.items as IdentifyRequest[];
  const issue = r.error.issues[0];
  throw new ValidationError(pathText(issue.path), issue.message);
}

/** Item `i` of a batch, checked (the hand-written fast check first, zod for the rest and for the error). */
export function checkItem(item: unknown, i: number): IdentifyRequest {
  if (fastRequestOk(item)) return item as IdentifyRequest;
  const r = identifyRequestSchema.safeParse(item);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ValidationError(pathText(['items', i, ...issue.path]), issue.message);
  }
  return r.data as IdentifyRequest;
}
