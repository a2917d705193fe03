/**
 * The console as a component of the gateway daemon (`moat gateway` with a `console` section): HTTPS on the user
 * zone's gateway address (the nftables table lets the port in from the user LAN only), the live inspection's EVE
 * followed so its alerts reach the console and the channels, and the registry and IoT control of the same daemon.
 */
import { closeSync, openSync } from 'node:fs';
import type { Component, Health } from '../framework/index.js';
import { followEve, type EveFollower } from './follow-eve.js';
import { startConsole, type ConsoleOptions, type StartedConsole } from './server.js';

export interface ConsoleComponentOptions extends ConsoleOptions {
  host: string;
  port: number;
  /** The gateway's EVE output (live inspection): its alerts and flows go live in the console. */
  eve?: string;
  zoneOf: (ip: string) => string;
  dependsOn?: readonly string[];
  log: (line: string) => void;
}

export class ConsoleComponent implements Component<ConsoleComponentOptions> {
  readonly name = 'console';
  readonly dependsOn: readonly string[];
  console?: StartedConsole;
  private follower?: EveFollower;

  constructor(readonly config: ConsoleComponentOptions) {
    this.dependsOn = config.dependsOn ?? [];
  }

  async start(): Promise<void> {
    const c = this.config;
    this.console = await startConsole(c);
    if (c.eve) {
      // Inspection appends to it; it may not have written a line yet.
      closeSync(openSync(c.eve, 'a'));
      this.follower = followEve(this.console, c.eve, c.zoneOf);
    }
    c.log(
      `console: ${this.console.url}/ (certificate SHA-256 ${this.console.certificate.fingerprint256}; user LAN only)`,
    );
  }

  async stop(): Promise<void> {
    this.follower?.close();
    this.follower = undefined;
    await this.console?.close();
    this.console = undefined;
  }

  health(): Health {
    return this.console ? { ok: true, detail: this.console.url } : { ok: false, detail: 'not started' };
  }
}
