/**
 * The digests Suricata's file logger writes for a file (`fileinfo.md5`, `sha1`, `sha256`), computed as its bytes
 * arrive: only the bytes seen count, so a file with capture gaps is hashed over the data around them (Suricata 8
 * does the same for HTTP bodies). Which digests are made is configuration: `force-hash` on the eve-log `files`
 * logger, and sha256 whenever file-store (version 2, which names stored files by it) is enabled.
 */
import { createHash, type Hash } from 'node:crypto';

export type FileHashName = 'md5' | 'sha1' | 'sha256';

export interface FileDigests {
  md5?: string;
  sha1?: string;
  sha256?: string;
}

export class FileHasher {
  private readonly md5: Hash | undefined;
  private readonly sha1: Hash | undefined;
  private readonly sha256: Hash | undefined;

  constructor(names: readonly FileHashName[]) {
    this.md5 = names.includes('md5') ? createHash('md5') : undefined;
    this.sha1 = names.includes('sha1') ? createHash('sha1') : undefined;
    this.sha256 = names.includes('sha256') ? createHash('sha256') : undefined;
  }

  update(buf: Buffer, off: number, n: number): void {
    if (n <= 0) return;
    const part = off === 0 && n === buf.length ? buf : buf.subarray(off, off + n);
    this.md5?.update(part);
    this.sha1?.update(part);
    this.sha256?.update(part);
  }

  /** The hex digests; the hasher is spent afterwards. */
  digest(): FileDigests {
    const out: FileDigests = {};
    if (this.md5) out.md5 = this.md5.digest('hex');
    if (this.sha1) out.sha1 = this.sha1.digest('hex');
    if (this.sha256) out.sha256 = this.sha256.digest('hex');
    return out;
  }
}

/** A hasher for `names`, or undefined when no digest is wanted (the common case costs nothing). */
export function fileHasher(names: readonly FileHashName[] | undefined): FileHasher | undefined {
  return names && names.length > 0 ? new FileHasher(names) : undefined;
}
