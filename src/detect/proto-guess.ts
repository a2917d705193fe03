/**
 * Recognition of the TCP protocols moat does not parse but rules name in their header (alert smb/ftp/smtp/ssh …):
 * a flow is taken to be one of them when its first data in a direction starts the way Suricata's protocol detection
 * expects (its detection patterns), so those rules run on the flow's packets as in Suricata. Only rule sets with such
 * rules pay for it.
 */

/** Rule protocols recognized here. */
export const GUESSED_PROTOS = new Set(['smb', 'ftp', 'smtp', 'ssh']);

function startsWithCi(b: Uint8Array, off: number, len: number, text: string): boolean {
  if (len < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    let c = b[off + i];
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    let t = text.charCodeAt(i);
    if (t >= 0x61 && t <= 0x7a) t -= 0x20;
    if (c !== t) return false;
  }
  return true;
}

/** The protocol a TCP flow's first data in direction `dir` (0: to server) shows, or undefined. */
export function guessProto(dir: number, b: Uint8Array, off: number, len: number): string | undefined {
  // SMB over NetBIOS session service: a session message (type 0) and the SMB1/2/3 magic after its 4-byte header.
  if (len >= 8 && b[off] === 0 && (b[off + 4] === 0xff || b[off + 4] === 0xfe || b[off + 4] === 0xfd)) {
    if (b[off + 5] === 0x53 && b[off + 6] === 0x4d && b[off + 7] === 0x42) return 'smb';
  }
  if (startsWithCi(b, off, len, 'SSH-')) return 'ssh';
  if (dir === 0) {
    for (const cmd of ['USER ', 'PASS ', 'PORT ', 'FEAT']) if (startsWithCi(b, off, len, cmd)) return 'ftp';
    for (const cmd of ['EHLO', 'HELO', 'QUIT']) if (startsWithCi(b, off, len, cmd)) return 'smtp';
  } else if (startsWithCi(b, off, len, '220 (')) return 'ftp';
  return undefined;
}
