/**
 * Suricata 8's memory accounting for one dataset's hash table (util-thash.c on x86_64 Linux), so that moat refuses
 * a set exactly when Suricata does: `memcap` and `hashsize` given on the rule bound the table, and a set whose
 * loaded values do not fit stops Suricata at start-up ("dataset too large for set memcap").
 *
 * What Suricata reserves when it creates the table:
 * - `hashsize` rows of 64 bytes (a mutex and two pointers, aligned to the cache line);
 * - 1,000 preallocated entries, each a 72-byte THashData (mutex, use count, three pointers) plus the set type's
 *   value struct.
 * Each value loaded then takes a preallocated entry (or a new one once they are used up); string sets also count
 * the string's bytes. Once an addition does not fit, the table is marked "memcap reached" and the set is refused.
 */
import { InputError } from '../framework/errors.js';

export type DatasetType = 'string' | 'md5' | 'sha256' | 'ipv4' | 'ip';

/** sizeof(THashHashRow): pthread mutex (40) + head + tail, aligned to 64. */
const ROW_BYTES = 64;
/** sizeof(THashData): pthread mutex (40) + use count (4, padded to 8) + data, next, prev pointers. */
const ENTRY_HEADER_BYTES = 72;
/**
 * The value structs: the value (a string's length and pointer) beside a union of the reputation and the JSON
 * context (a pointer and a length, 16 bytes), padded to 8.
 */
const VALUE_BYTES: Readonly<Record<DatasetType, number>> = {
  string: 32,
  md5: 32,
  sha256: 48,
  ipv4: 24,
  ip: 32,
};
const PREALLOC = 1000;
/** THASH_DEFAULT_HASHSIZE, for a rule that gives no hashsize. */
export const DEFAULT_HASHSIZE = 4096;
/** datasets.limits.single-hashsize and total-hashsizes, Suricata 8's defaults. */
export const MAX_ONE_HASHSIZE = 65536;
export const MAX_TOTAL_HASHSIZE = 16777216;

/** The bytes one entry of a set of this type reserves (THASH_DATA_SIZE). */
export function entryBytes(type: DatasetType): number {
  return ENTRY_HEADER_BYTES + VALUE_BYTES[type];
}

/** One set's table: created with the rule's memcap and hashsize, then fed the values it loads. */
export class SetMemory {
  private memuse: number;
  private entries = 0;
  private readonly entry: number;
  /** True once an addition did not fit: Suricata refuses the set after loading it. */
  reached = false;

  /**
   * Throws InputError when Suricata cannot create the table: the rows alone exceed `memcap`, or the rows and the
   * preallocated entries do. No memcap: Suricata lifts it for sets loaded from rules, so nothing is refused.
   */
  constructor(
    private readonly name: string,
    private readonly type: DatasetType,
    private readonly memcap: number | undefined,
    readonly hashsize: number = DEFAULT_HASHSIZE,
  ) {
    this.entry = entryBytes(type);
    const rows = hashsize * ROW_BYTES;
    this.memuse = rows;
    if (memcap === undefined) return;
    if (rows > memcap)
      throw new InputError(
        `set ${name}: memcap ${memcap} is smaller than its hash table (hashsize ${hashsize} × ${ROW_BYTES} = ${rows} bytes)`,
      );
    const reserved = rows + PREALLOC * this.entry;
    if (reserved > memcap)
      throw new InputError(
        `set ${name}: memcap ${memcap} is smaller than the table Suricata reserves: ${rows} bytes of rows + ` +
          `${PREALLOC} preallocated ${type} entries × ${this.entry} = ${reserved} bytes`,
      );
    this.memuse = reserved;
  }

  /** A new value enters the set: `bytes` is the string's length for string sets (others count none). */
  add(bytes: number): void {
    const extra = this.type === 'string' ? bytes : 0;
    this.entries++;
    if (this.memcap === undefined) return;
    if (this.entries <= PREALLOC) {
      // A preallocated entry is already counted; its string is not.
      this.memuse += extra;
      if (this.memuse + this.entry + extra > this.memcap) this.reached = true;
    } else if (this.memuse + this.entry + extra > this.memcap) this.reached = true;
    else this.memuse += this.entry + extra;
  }

  /** Throws when the loaded values overflowed the memcap, as Suricata stops with this set. */
  check(): void {
    if (!this.reached) return;
    throw new InputError(
      `set ${this.name}: dataset too large for set memcap (memcap ${String(this.memcap)} bytes; the table, ` +
        `its preallocated entries and ${this.entries} values need ${this.memuse})`,
    );
  }
}
