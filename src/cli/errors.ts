/** A problem with what the user asked for (bad flag, missing file): printed without a stack, exit 2. */
import { MoatError } from '../framework/errors.js';

export class UsageError extends MoatError {}
