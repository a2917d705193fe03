/** A loopback port nothing listens on right now, for servers a test starts as separate processes. */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * A loopback port below Linux's ephemeral range (32768–60999) that nothing listens on now, for a server a test
 * starts only later: a port the kernel handed out (freePort) can meanwhile go to an outgoing connection of any
 * process, one below the range cannot.
 */
export async function laterServerPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free loopback port between 20000 and 32000');
}
