/**
 * The self-isolation bundle: when the gateway isolates itself, what the user needs to see what happened —
 * the recent EVE log, the last packets from the capture ring as a pcap, the gateway's status, the isolation state
 * and its tables — goes into one tar.gz in the state directory, which the user downloads through the backup port.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tarGz, type TarFile } from './tar.js';

export interface BundleParts {
  eve: () => Buffer;
  pcap: () => Buffer | undefined;
  /** JSON documents by file name (status, isolation, tables). */
  json: () => Promise<Record<string, unknown>>;
}

export interface BundleInfo {
  name: string;
  path: string;
  bytes: number;
  createdAt: string;
}

const KEEP = 5;

export class Bundles {
  readonly dir: string;

  constructor(
    stateDir: string,
    private readonly parts: BundleParts,
  ) {
    this.dir = join(stateDir, 'bundles');
  }

  async make(why: string): Promise<BundleInfo> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const now = new Date();
    const files: TarFile[] = [];
    const mtimeS = Math.floor(now.getTime() / 1000);
    files.push({ name: 'eve.json', data: this.parts.eve(), mtimeS });
    const pcap = this.parts.pcap();
    if (pcap) files.push({ name: 'capture.pcap', data: pcap, mtimeS });
    for (const [name, v] of Object.entries(await this.parts.json()))
      files.push({ name, data: Buffer.from(JSON.stringify(v, null, 2) + '\n'), mtimeS });
    files.push({
      name: 'README.txt',
      data: Buffer.from(
        `moat gateway bundle, ${now.toISOString()}: ${why}\n` +
          'eve.json: the recent EVE log; capture.pcap: the last packets captured on the internal zones;\n' +
          'status.json, isolation.json, tables.json: the gateway as it was when the bundle was made.\n',
      ),
      mtimeS,
    });
    const name = `moat-bundle-${now.toISOString().replace(/[:.]/g, '-')}.tar.gz`;
    const path = join(this.dir, name);
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, tarGz(files), { mode: 0o600 });
    renameSync(tmp, path);
    this.prune();
    return this.info(name)!;
  }

  private info(name: string): BundleInfo | undefined {
    try {
      const st = statSync(join(this.dir, name));
      return { name, path: join(this.dir, name), bytes: st.size, createdAt: st.mtime.toISOString() };
    } catch {
      return undefined;
    }
  }

  list(): BundleInfo[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => /^moat-bundle-.*\.tar\.gz$/.test(n));
    } catch {
      return [];
    }
    return names
      .sort()
      .reverse()
      .map((n) => this.info(n))
      .filter((b): b is BundleInfo => b !== undefined);
  }

  latest(): BundleInfo | undefined {
    return this.list()[0];
  }

  read(b: BundleInfo): Buffer {
    return readFileSync(b.path);
  }

  private prune(): void {
    for (const b of this.list().slice(KEEP)) rmSync(b.path, { force: true });
  }
}
