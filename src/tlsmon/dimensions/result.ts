import type { Finding } from '../policy/schema.js';

/** One dimension's part of a verdict: what it saw, the score its strategy gave, or why it could not score. */
export interface DimensionOutcome {
  /** The raw value seen (a count, a status, a country …), for the explanation. */
  raw: unknown;
  /** undefined when the dimension is unavailable for this connection. */
  score?: number;
  /** Why unavailable, or a note on the raw value. */
  note?: string;
  /** What the dimension found that a policy may make decisive (schema FINDINGS): 'selfSigned', 'revoked' … */
  finding?: Finding;
}

export function unavailable(note: string): DimensionOutcome {
  return { raw: null, note };
}
