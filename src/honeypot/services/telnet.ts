/**
 * Telnet with a BusyBox login (the Mirai surface, A-70). The server offers WILL ECHO / WILL SGA like
 * BusyBox telnetd and strips every IAC negotiation from the input stream.
 */
import type { Honeypot } from '../honeypot.js';
import { TerminalDriver } from './terminal.js';
import { listenTcp, type ListeningService } from './listen.js';

const IAC = 255;

/** Removes telnet negotiation (IAC cmd opt, IAC SB … IAC SE, IAC IAC → 255) from a chunk. */
export class TelnetFilter {
  private state: 'data' | 'iac' | 'opt' | 'sb' | 'sb-iac' = 'data';

  filter(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (const b of chunk) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else out[n++] = b;
          break;
        case 'iac':
          if (b === IAC) {
            out[n++] = b;
            this.state = 'data';
          } else if (b === 250) this.state = 'sb';
          else if (b >= 251 && b <= 254) this.state = 'opt';
          else this.state = 'data';
          break;
        case 'opt':
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sb-iac';
          break;
        case 'sb-iac':
          this.state = b === 240 ? 'data' : 'sb';
          break;
      }
    }
    return out.subarray(0, n);
  }
}

export function startTelnet(hp: Honeypot, port: number, host = '0.0.0.0'): Promise<ListeningService> {
  return listenTcp(hp, 'telnet', port, host, (socket, session) => {
    const filter = new TelnetFilter();
    socket.write(Buffer.from([IAC, 251, 1, IAC, 251, 3]));
    const term = new TerminalDriver(session, {
      login: true,
      echo: true,
      write: (d) => socket.write(d),
      end: () => socket.end(),
    });
    socket.on('data', (d: Buffer) => {
      const clean = filter.filter(d);
      if (clean.length > 0) term.feed(clean);
    });
    return { close: (reason) => term.close(reason) };
  });
}
