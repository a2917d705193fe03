/**
 * SSH (ssh2 server) with a host key generated per honeypot: password logins are checked against the
 * persona and recorded; `shell` gets the same terminal as telnet, `exec` runs one line and returns its
 * exit status — enough for a real OpenSSH client.
 */
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import type { Honeypot } from '../honeypot.js';
import type { Session } from '../session.js';
import { TerminalDriver } from './terminal.js';
import type { ListeningService } from './listen.js';
import { listenFailure } from '../../framework/errors.js';

/**
 * A fresh ed25519 host key that ssh2 itself can read back: about 1 in 300 keys its generator writes fail its own
 * parser ("Malformed OpenSSH private key", measured 10 in 3,000), which made the honeypot fail to start at random.
 */
export function generateHostKey(): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(key) instanceof Error)) return key;
  }
  throw new Error('ssh2 wrote 20 ed25519 host keys in a row that it cannot parse');
}

export function startSsh(
  hp: Honeypot,
  port: number,
  host = '0.0.0.0',
  hostKey = generateHostKey(),
): Promise<ListeningService> {
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey], ident: 'OpenSSH_7.4' }, (client, info) => {
    const session: Session | null = hp.open('ssh', info.ip.replace(/^::ffff:/, ''), info.port, port);
    if (!session) {
      client.end();
      return;
    }
    clients.add(client);
    const cfg = hp.limits.config;
    const hard = setTimeout(() => client.end(), cfg.maxSessionSeconds * 1000);
    client.on('error', () => client.end());
    client.on('close', () => {
      clearTimeout(hard);
      clients.delete(client);
      session.close('disconnect');
    });
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'password') return ctx.reject(['password']);
      const accepted = session.login(ctx.username, ctx.password);
      // sshd answers a wrong password only after its failure delay, like the device would.
      void session.loginDelay(accepted).then(() => {
        if (accepted) return ctx.accept();
        if (session.record.credentials.length >= 6) return client.end();
        ctx.reject(['password']);
      });
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const s = accept();
        s.on('pty', (ok) => ok?.());
        s.on('env', (ok) => ok?.());
        s.on('window-change', (ok) => ok?.());
        s.on('shell', (ok) => {
          const ch: ServerChannel = ok();
          const term = new TerminalDriver(session, {
            login: false,
            echo: true,
            write: (d) => ch.write(d),
            end: () => ch.close(),
            banner: '\r\n',
          });
          ch.on('data', (d: Buffer) => term.feed(d));
          ch.on('close', () => client.end());
        });
        s.on('exec', async (ok, _rej, info2) => {
          const ch: ServerChannel = ok();
          const out = await session.command(info2.command);
          session.account(info2.command.length, out.length);
          ch.write(out);
          ch.exit(out.toString('latin1').includes(': not found') ? 127 : 0);
          ch.end();
        });
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: unknown) => reject(listenFailure('honeypot ssh', host, port, err)));
    server.listen(port, host, () => {
      resolve({
        name: 'ssh',
        port: () => (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            for (const c of clients) c.end();
            server.close(() => done());
          }),
      });
    });
  });
}
