/**
 * HTTP with IoT web-panel personas: a camera or router login page; every request and every
 * posted credential pair is recorded on a per-connection instance. Bodies are capped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Honeypot } from '../honeypot.js';
import type { Session } from '../session.js';
import type { ListeningService } from './listen.js';
import { listenFailure } from '../../framework/errors.js';

export type WebPersona = 'camera' | 'router';

const PAGES: Record<WebPersona, (title: string) => string> = {
  camera: (t) =>
    `<!DOCTYPE html><html><head><title>${t}</title></head><body><form method="POST" action="/login.cgi"><input name="username"><input type="password" name="password"><button>Login</button></form></body></html>`,
  router: () =>
    `<!DOCTYPE html><html><head><title>Wireless Router</title></head><body><form method="POST" action="/goform/login"><input name="username"><input type="password" name="password"></form></body></html>`,
};

export function startHttp(
  hp: Honeypot,
  port: number,
  host = '0.0.0.0',
  persona: WebPersona = 'camera',
): Promise<ListeningService> {
  const sessions = new WeakMap<object, Session | null>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const sock = req.socket;
    let session = sessions.get(sock);
    if (session === undefined) {
      session = hp.open(
        'http',
        (sock.remoteAddress ?? '').replace(/^::ffff:/, ''),
        sock.remotePort ?? 0,
        sock.localPort ?? port,
      );
      sessions.set(sock, session);
      if (session) {
        const s = session;
        sock.once('close', () => s.close('disconnect'));
      }
    }
    if (!session) {
      res.statusCode = 503;
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 64 * 1024) break;
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks).toString('latin1');
    session.account(size, 0);
    session.record.commands.push({
      at: new Date().toISOString(),
      line: `${req.method} ${req.url}`.slice(0, 2048),
      route: 'emulator',
    });
    res.setHeader('server', persona === 'camera' ? 'uc-httpd 1.0.0' : 'GoAhead-Webs');
    if (req.method === 'POST') {
      const form = new URLSearchParams(body);
      const user = form.get('username') ?? form.get('user') ?? '';
      const pass = form.get('password') ?? form.get('pass') ?? '';
      if (user || pass) session.login(user, pass);
      res.statusCode = 200;
      res.end('<html><body>Login failed</body></html>');
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(PAGES[persona](hp.persona.webTitle));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure('honeypot http', host, port, err)));
    server.listen(port, host, () =>
      resolve({
        name: 'http',
        port: () => (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((d) => {
            server.closeAllConnections();
            server.close(() => d());
          }),
      }),
    );
  });
}
