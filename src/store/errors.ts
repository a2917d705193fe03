/**
 * What can go wrong opening or migrating a store. Every message names the store (a path, or a URL without its
 * password) and, for migrations, the component and version, so an operator knows which file and which step. A
 * MoatError: the CLI prints it as one line and exits 2.
 */
import { MoatError } from '../framework/errors.js';

export type StoreErrorKind =
  /** The store cannot be opened or reached. */
  | 'open'
  /** A recorded migration's checksum differs from the one this build ships. */
  | 'checksum'
  /** The store records a version of a component this build does not know (written by a newer moat). */
  | 'newer'
  /** The recorded versions of a component have a hole (a migration was renumbered). */
  | 'gap'
  /** A component has no migrations for this kind of store (e.g. SQLite only). */
  | 'dialect'
  /** A migration's SQL failed; nothing of that component's run was applied. */
  | 'failed';

export class StoreError extends MoatError {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options && 'cause' in options) this.cause = options.cause;
  }
}
