/**
 * A Mirai-style telnet brute force: one infected LAN device opens many short connections to port 23 of
 * one host; each session negotiates options, waits for "login:" and "Password:", sends a factory default
 * credential pair and gets "Login incorrect".
 */
import { host, remoteHost } from '../net/address.js';
import { TcpConversation } from '../net/tcp-conversation.js';
import type { ScenarioContext } from './context.js';
import { EphemeralPorts } from './context.js';

/** Factory default pairs of the kind IoT botnets try first. */
const CREDENTIALS: [string, string][] = [
  ['root', 'xc3511'],
  ['root', 'vizxv'],
  ['admin', 'admin'],
  ['root', '888888'],
  ['root', 'default'],
  ['root', '123456'],
  ['support', 'support'],
  ['root', 'juantech'],
  ['admin', 'password'],
  ['root', '54321'],
  ['user', 'user'],
  ['root', 'root'],
  ['guest', '12345'],
  ['admin1', 'password'],
  ['root', 'klv123'],
  ['Administrator', 'admin'],
  ['root', 'Zte521'],
  ['root', 'hi3518'],
  ['root', 'anko'],
  ['root', '7ujMko0admin'],
];

const IAC = 255;
const DO = 253;
const WILL = 251;
const WONT = 252;
const DONT = 254;

export function bruteforceScenario(ctx: ScenarioContext): void {
  const { rng, cap } = ctx;
  const bot = host('192.168.1.199', 64);
  const victim = remoteHost('203.0.113.23', 64, 14);
  const ports = new EphemeralPorts(rng.fork('ports'));
  const sessions = 14 + ctx.flows;
  let t = ctx.baseUs + rng.int(10_000_000, 25_000_000);
  for (let i = 0; i < sessions; i++) {
    const [user, pass] = CREDENTIALS[i % CREDENTIALS.length];
    const start = t;
    const conv = new TcpConversation(cap, rng, bot, ports.take(bot), victim, 23, start, {
      timestamps: false,
    });
    conv.connect();
    // BusyBox telnetd: asks for terminal type, speed, display, environment.
    conv.send('s2c', Buffer.from([IAC, DO, 24, IAC, DO, 32, IAC, DO, 35, IAC, DO, 39]), 800);
    conv.send('c2s', Buffer.from([IAC, WONT, 24, IAC, WONT, 32, IAC, WONT, 35, IAC, WONT, 39]), 200);
    conv.send(
      's2c',
      Buffer.concat([Buffer.from([IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 1]), Buffer.from('\r\n\r\nlogin: ')]),
      500,
    );
    conv.send('c2s', Buffer.from([IAC, DONT, 1, IAC, DO, 3, IAC, WONT, 1]), 150);
    conv.send('c2s', Buffer.from(`${user}\r\n`), rng.int(300, 1500));
    conv.send('s2c', Buffer.from(`${user}\r\nPassword: `), 400);
    conv.send('c2s', Buffer.from(`${pass}\r\n`), rng.int(300, 1500));
    // login(1) sleeps before reporting failure, which is what slows brute forcing down.
    conv.send('s2c', Buffer.from('\r\nLogin incorrect\r\nlogin: '), rng.int(1_000_000, 3_000_000));
    conv.close('c2s', rng.int(100, 2000));
    ctx.manifest.push({
      scenario: 'bruteforce',
      transport: 'tcp',
      client: bot.text,
      clientPort: conv.clientPort,
      server: victim.text,
      serverPort: 23,
      startUs: start,
      packets: conv.packets,
      facts: { app: 'telnet', username: user, password: pass, success: false },
    });
    t = conv.now + rng.int(20_000, 400_000);
  }
}
