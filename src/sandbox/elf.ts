/**
 * ELF header reader for static analysis: class, byte order, machine, type, entry, sections,
 * symbols and imports. Every offset is checked against the buffer; a damaged file yields what could
 * be read plus `errors`, never an exception or an unbounded loop.
 */
export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  type: string;
  entry: number;
  sections: Array<{ name: string; type: number; size: number; offset: number }>;
  symbols: string[];
  imports: string[];
  needed: string[];
  interpreter?: string;
  statics: boolean;
  errors: string[];
}

const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'x86',
  8: 'mips',
  20: 'powerpc',
  21: 'powerpc64',
  40: 'arm',
  42: 'superh',
  62: 'x86-64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
};
const TYPES: Record<number, string> = { 1: 'relocatable', 2: 'executable', 3: 'shared-object', 4: 'core' };
const MAX_SECTIONS = 512;
const MAX_SYMBOLS = 4096;

export function isElf(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

function cstr(b: Buffer, off: number): string {
  if (off < 0 || off >= b.length) return '';
  let end = off;
  while (end < b.length && b[end] !== 0 && end - off < 256) end++;
  return b.toString('latin1', off, end);
}

export function parseElf(b: Buffer): ElfInfo | null {
  if (!isElf(b) || b.length < 52) return null;
  const bits = b[4] === 2 ? 64 : 32;
  const le = b[5] !== 2;
  const errors: string[] = [];
  const u16 = (o: number): number => (o + 2 <= b.length ? (le ? b.readUInt16LE(o) : b.readUInt16BE(o)) : 0);
  const u32 = (o: number): number => (o + 4 <= b.length ? (le ? b.readUInt32LE(o) : b.readUInt32BE(o)) : 0);
  const addr = (o: number): number =>
    bits === 64 ? (o + 8 <= b.length ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : 0) : u32(o);
  const info: ElfInfo = {
    bits,
    endian: le ? 'little' : 'big',
    machine: MACHINES[u16(18)] ?? `unknown(${u16(18)})`,
    type: TYPES[u16(16)] ?? `unknown(${u16(16)})`,
    entry: addr(24),
    sections: [],
    symbols: [],
    imports: [],
    needed: [],
    statics: true,
    errors,
  };
  const phoff = addr(bits === 64 ? 32 : 28);
  const shoff = addr(bits === 64 ? 40 : 32);
  const h = bits === 64 ? 52 : 40;
  const phentsize = u16(h + 2);
  const phnum = u16(h + 4);
  const shentsize = u16(h + 6);
  const shnum = Math.min(u16(h + 8), MAX_SECTIONS);
  const shstrndx = u16(h + 10);
  for (let i = 0; i < Math.min(phnum, 64); i++) {
    const p = phoff + i * phentsize;
    if (p + phentsize > b.length || phentsize === 0) break;
    const type = u32(p);
    if (type === 3) {
      const off = addr(p + (bits === 64 ? 8 : 4));
      info.interpreter = cstr(b, off);
      info.statics = false;
    }
    if (type === 2) info.statics = false;
  }
  if (shoff === 0 || shnum === 0) {
    errors.push('no section headers (stripped or packed)');
    return info;
  }
  if (shoff + shnum * shentsize > b.length)
    errors.push(`section headers at ${shoff} run past the end of the file (${b.length} bytes)`);
  const secs: Array<{
    nameOff: number;
    type: number;
    off: number;
    size: number;
    link: number;
    entsize: number;
  }> = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    if (s + shentsize > b.length || shentsize === 0) break;
    secs.push({
      nameOff: u32(s),
      type: u32(s + 4),
      off: addr(s + (bits === 64 ? 24 : 16)),
      size: addr(s + (bits === 64 ? 32 : 20)),
      link: u32(s + (bits === 64 ? 40 : 24)),
      entsize: addr(s + (bits === 64 ? 56 : 36)),
    });
  }
  const strtab = secs[shstrndx];
  for (const s of secs)
    info.sections.push({
      name: strtab ? cstr(b, strtab.off + s.nameOff) : '',
      type: s.type,
      size: s.size,
      offset: s.off,
    });
  for (const s of secs) {
    if (s.type !== 2 && s.type !== 11) continue; // SHT_SYMTAB, SHT_DYNSYM
    const names = secs[s.link];
    const ent = s.entsize || (bits === 64 ? 24 : 16);
    const count = Math.min(Math.floor(s.size / ent), MAX_SYMBOLS);
    for (let k = 1; k < count; k++) {
      const e = s.off + k * ent;
      if (e + ent > b.length || !names) break;
      const name = cstr(b, names.off + u32(e));
      if (!name) continue;
      const shndx = bits === 64 ? u16(e + 6) : u16(e + 14);
      if (s.type === 11 && shndx === 0) info.imports.push(name);
      else if (info.symbols.length < MAX_SYMBOLS) info.symbols.push(name);
    }
  }
  for (const s of secs) {
    if (s.type !== 6) continue; // SHT_DYNAMIC
    const names = secs[s.link];
    const ent = bits === 64 ? 16 : 8;
    for (let e = s.off; e + ent <= Math.min(b.length, s.off + s.size); e += ent) {
      const tag = bits === 64 ? addr(e) : u32(e);
      if (tag === 0) break;
      if (tag === 1 && names) info.needed.push(cstr(b, names.off + (bits === 64 ? addr(e + 8) : u32(e + 4))));
    }
  }
  return info;
}
