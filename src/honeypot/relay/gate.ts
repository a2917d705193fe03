/**
 * The relay's command gate (A-73…A-75): classify, tunnel read-only lines to a real device, scrub its
 * reply (serials, MACs, IPs, names, credentials → consistent fakes) before the attacker sees it; every
 * other class is blocked and left to the emulator.
 */
import type { CommandGate } from '../shell/shell.js';
import type { CommandRoute } from '../instance.js';
import { classifyCommand, commandNames, type CommandClass } from './classify.js';
import type { RelayTransport } from './tunnel.js';
import { desensitise, type Pseudonymiser } from '../../dataset/index.js';

export class RelayGate implements CommandGate {
  readonly decisions: Array<{ line: string; cls: CommandClass; route: CommandRoute }> = [];

  constructor(
    private readonly relay: RelayTransport,
    private readonly pseudonyms: Pseudonymiser,
    private readonly deviceNames: string[] = [],
    /** The honeypot session (instance) id: the device end keeps one device per session. */
    private readonly session = '?',
  ) {}

  async answer(line: string): Promise<{ route: CommandRoute; output: Buffer | null }> {
    const { cls } = classifyCommand(line);
    if (cls !== 'read-only') {
      this.decisions.push({ line, cls, route: 'blocked' });
      return { route: 'blocked', output: null };
    }
    let reply: Buffer | null;
    try {
      reply = await this.relay.request(Buffer.from(line), {
        protocol: 'shell',
        session: this.session,
        commands: commandNames(line),
      });
    } catch {
      reply = null;
    }
    if (!reply) {
      this.decisions.push({ line, cls, route: 'emulator' });
      return { route: 'emulator', output: null };
    }
    this.decisions.push({ line, cls, route: 'device' });
    const clean = desensitise(reply.toString('latin1'), this.pseudonyms, { hostnames: this.deviceNames });
    return {
      route: 'device',
      output: Buffer.from(clean.endsWith('\n') || clean === '' ? clean : clean + '\n', 'latin1'),
    };
  }
}
