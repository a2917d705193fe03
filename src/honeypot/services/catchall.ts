/**
 * The catch-all listener: any port the router hands over. It records what the peer
 * sends (bounded) and answers with the shell prompt after a banner-less login, because most
 * unsolicited connections to odd ports are telnet-style bots trying their luck.
 */
import type { Honeypot } from '../honeypot.js';
import { TerminalDriver } from './terminal.js';
import { listenTcp, type ListeningService } from './listen.js';

export function startCatchAll(hp: Honeypot, port: number, host = '0.0.0.0'): Promise<ListeningService> {
  return listenTcp(hp, 'catch-all', port, host, (socket, session) => {
    const term = new TerminalDriver(session, {
      login: true,
      echo: false,
      write: (d) => socket.write(d),
      end: () => socket.end(),
    });
    socket.on('data', (d: Buffer) => term.feed(d));
    return { close: (reason) => term.close(reason) };
  });
}
