/** A gzip-compressed tar (ustar) of in-memory files: the self-isolation bundle. */
import { gzipSync } from 'node:zlib';

export interface TarFile {
  name: string;
  data: Buffer;
  mtimeS?: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(f: TarFile): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(f.name) > 100) throw new Error(`tar: name longer than 100 bytes: ${f.name}`);
  h.write(f.name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(f.data.length, 12), 124, 'ascii');
  h.write(octal(Math.floor(f.mtimeS ?? Date.now() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('moat', 265, 'ascii');
  h.write('moat', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

export function tarGz(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f), f.data);
    const pad = (512 - (f.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 6 });
}
