/**
 * `echo` with BusyBox's -n/-e/-E: droppers assemble binaries with `echo -ne '\x7f\x45\x4c\x46' >> f`,
 * so the escapes must produce exact bytes (A-64: files pushed by echo chains are samples too).
 */
import type { ShellCommand } from '../command.js';

export function unescape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
      continue;
    }
    const n = s[++i];
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, '\\': 92 };
    if (n in simple) out.push(simple[n]);
    else if (n === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
      if (m) {
        out.push(parseInt(m[0], 16));
        i += m[0].length;
      } else out.push(92, 120);
    } else if (n === '0' || /[1-7]/.test(n)) {
      const m = /^[0-7]{0,3}/.exec(s.slice(n === '0' ? i + 1 : i));
      const digits = m ? m[0] : '';
      out.push(parseInt(digits || '0', 8) & 0xff);
      i += n === '0' ? digits.length : digits.length - 1;
    } else if (n === 'c') return Buffer.from(out);
    else out.push(92, n.charCodeAt(0));
  }
  return Buffer.from(out);
}

export const echo: ShellCommand = {
  names: ['echo'],
  run(ctx) {
    let args = ctx.argv.slice(1);
    let newline = true;
    let escapes = false;
    while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
      for (const f of args[0].slice(1)) {
        if (f === 'n') newline = false;
        else if (f === 'e') escapes = true;
        else escapes = false;
      }
      args = args.slice(1);
    }
    const text = args.join(' ');
    ctx.out(escapes ? unescape(text) : Buffer.from(text));
    if (newline) ctx.out('\n');
    return 0;
  },
};
