/**
 * The quarantine directory: captured samples stored by SHA-256, never executable (mode 0400), with a
 * side file saying where each came from. The sandbox reads samples from here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface QuarantinedSample {
  sha256: string;
  path: string;
  size: number;
  fresh: boolean;
}

export class Quarantine {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  store(data: Buffer, meta: Record<string, unknown>): QuarantinedSample {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const path = join(this.dir, `${sha256}.bin`);
    const fresh = !existsSync(path);
    if (fresh) {
      writeFileSync(path, data, { mode: 0o400 });
      writeFileSync(
        join(this.dir, `${sha256}.json`),
        JSON.stringify({ sha256, size: data.length, ...meta }, null, 1) + '\n',
        { mode: 0o600 },
      );
    }
    return { sha256, path, size: data.length, fresh };
  }
}
