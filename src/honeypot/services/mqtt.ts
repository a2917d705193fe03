/**
 * MQTT via an embedded aedes broker: each TCP connection is an instance; CONNECT credentials,
 * subscriptions and publishes are recorded. Every login is accepted so the attacker shows its hand.
 */
import { Aedes } from 'aedes';
import type { Honeypot } from '../honeypot.js';
import { listenTcp, type ListeningService } from './listen.js';

export async function startMqtt(hp: Honeypot, port: number, host = '0.0.0.0'): Promise<ListeningService> {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const s = (client as unknown as { moatSession?: { login(u: string, p: string): boolean } }).moatSession;
      s?.login(username ?? '', password ? password.toString('latin1') : '');
      done(null, true);
    },
  });
  const svc = await listenTcp(hp, 'mqtt', port, host, (socket, session) => {
    const client = broker.handle(socket);
    (client as unknown as { moatSession: typeof session }).moatSession = session;
    socket.on('data', (d: Buffer) => {
      if (!session.account(d.length, 0)) socket.destroy();
    });
    return { close: (reason) => session.close(reason) };
  });
  broker.on('publish', (packet, client) => {
    const s = (
      client as unknown as {
        moatSession?: { record: { commands: Array<{ at: string; line: string; route: 'emulator' }> } };
      } | null
    )?.moatSession;
    if (s && s.record.commands.length < 1000)
      s.record.commands.push({
        at: new Date().toISOString(),
        line: `PUBLISH ${packet.topic} ${packet.payload.toString().slice(0, 512)}`,
        route: 'emulator',
      });
  });
  broker.on('subscribe', (subs, client) => {
    const s = (
      client as unknown as {
        moatSession?: { record: { commands: Array<{ at: string; line: string; route: 'emulator' }> } };
      }
    ).moatSession;
    for (const sub of subs)
      s?.record.commands.push({
        at: new Date().toISOString(),
        line: `SUBSCRIBE ${sub.topic}`,
        route: 'emulator',
      });
  });
  return {
    ...svc,
    name: 'mqtt',
    close: async () => {
      await svc.close();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}
