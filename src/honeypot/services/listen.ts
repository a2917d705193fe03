/** A TCP listener that opens an instance per connection, refuses on limits, and ends on time limits. */
import { createServer, type Server, type Socket } from 'node:net';
import type { Honeypot } from '../honeypot.js';
import type { Session } from '../session.js';
import { listenFailure } from '../../framework/errors.js';

export interface ListeningService {
  name: string;
  port(): number;
  close(): Promise<void>;
}

export function listenTcp(
  hp: Honeypot,
  service: string,
  port: number,
  host: string,
  onSession: (socket: Socket, session: Session) => { close(reason: string): void },
): Promise<ListeningService> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const peer = (socket.remoteAddress ?? '0.0.0.0').replace(/^::ffff:/, '');
    const session = hp.open(service, peer, socket.remotePort ?? 0, socket.localPort ?? port);
    if (!session) {
      socket.destroy();
      return;
    }
    const handler = onSession(socket, session);
    const cfg = hp.limits.config;
    const hard = setTimeout(() => handler.close('time-limit'), cfg.maxSessionSeconds * 1000);
    socket.setTimeout(cfg.idleSeconds * 1000, () => handler.close('idle'));
    socket.on('close', () => {
      clearTimeout(hard);
      handler.close('disconnect');
    });
  });
  server.maxConnections = hp.limits.config.maxSessionsTotal * 2;
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure(`honeypot ${service}`, host, port, err)));
    server.listen(port, host, () => {
      resolve({
        name: service,
        port: () => {
          const a = server.address();
          return typeof a === 'object' && a ? a.port : port;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
