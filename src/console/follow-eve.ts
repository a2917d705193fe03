/**
 * Follows an EVE file another moat process appends to (`moat analyze -i IF --eve F`, `moat tlsmon`): each new
 * alert line goes live — stored, pushed over SSE, delivered to the channels — and each flow adds to the traffic
 * charts. Reads from where the file ends now; a file that shrinks (rotated) is read again from its start.
 */
import { closeSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import type { Console } from './server.js';

export interface EveFollower {
  close(): void;
  /** Reads what was appended since the last read (also called by the watcher). */
  poll(): number;
}

export function followEve(c: Console, file: string, zoneOf: (ip: string) => string): EveFollower {
  let offset = statSync(file).size;
  let rest = '';
  const buf = Buffer.alloc(1 << 16);
  const poll = (): number => {
    const size = statSync(file).size;
    if (size < offset) offset = 0;
    let handled = 0;
    const fd = openSync(file, 'r');
    try {
      while (offset < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        const lines = (rest + buf.toString('utf8', 0, n)).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          try {
            const ev = JSON.parse(line) as Record<string, unknown>;
            if (ev.event_type === 'alert') c.alert(ev);
            else if (ev.event_type === 'flow') c.ctx.cdb.addFlow(ev, zoneOf);
            handled++;
          } catch {
            // A line that is not JSON (a writer cut mid-line and restarted) is skipped; the next line stands alone.
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return handled;
  };
  let watcher: FSWatcher | undefined = watch(file, () => poll());
  // fs.watch can miss events on some filesystems; a slow timer catches up.
  const timer = setInterval(poll, 2000);
  timer.unref();
  return {
    poll,
    close: () => {
      watcher?.close();
      watcher = undefined;
      clearInterval(timer);
    },
  };
}
