/**
 * The appliance on one machine (Spec A realisation note): network namespaces `gw`, `wan`, `lan`, `iot`, `dmz`
 * with veth pairs from the gateway to each, namespace-only addresses, names unique per test process. Every
 * process a test starts in a namespace is tracked and ended by its PID; the namespaces are deleted at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const ADDR = {
  wanServer: '10.90.0.1',
  gwWan: '10.90.0.2',
  gwLan: '192.168.61.1',
  gwIot: '192.168.62.1',
  iotDevice: '192.168.62.50',
  gwDmz: '192.168.63.1',
  honeypot: '192.168.63.10',
} as const;

/** udhcpc's event script for a device namespace: the leased address and the default route, nothing else. */
export const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    ;;
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
esac
exit 0
`;

export type Role = 'gw' | 'wan' | 'lan' | 'iot' | 'dmz';

export function canBuildTopology(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nftables, dnsmasq)';
  for (const tool of ['ip', 'nft', 'dnsmasq', 'conntrack', 'udhcpc', 'curl', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} not installed (scripts/setup.sh installs it)`;
  }
  return undefined;
}

export class Topology {
  readonly ns: Record<Role, string>;
  private readonly children = new Set<ChildProcess>();

  constructor(tag: string) {
    const id = `${tag}${process.pid}`;
    this.ns = { gw: `${id}gw`, wan: `${id}wan`, lan: `${id}lan`, iot: `${id}iot`, dmz: `${id}dmz` };
  }

  /** Runs `ip …`; throws with its stderr when it fails. */
  ip(...args: string[]): void {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }

  build(): void {
    this.destroy();
    for (const n of Object.values(this.ns)) {
      this.ip('netns', 'add', n);
      this.ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    // The gateway's side is named for the zone; each device namespace sees its end as eth0.
    for (const [ifname, role] of [
      ['wan0', 'wan'],
      ['lan0', 'lan'],
      ['iot0', 'iot'],
      ['dmz0', 'dmz'],
    ] as const) {
      this.ip(
        '-n',
        this.ns.gw,
        'link',
        'add',
        ifname,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        this.ns[role],
      );
      this.ip('-n', this.ns[role], 'link', 'set', 'eth0', 'up');
    }
    this.ip('-n', this.ns.wan, 'addr', 'add', `${ADDR.wanServer}/24`, 'dev', 'eth0');
    // Static devices: the IoT device (the relay's device end and a port-forward target) and the honeypot.
    this.ip('-n', this.ns.iot, 'addr', 'add', `${ADDR.iotDevice}/24`, 'dev', 'eth0');
    this.ip('-n', this.ns.iot, 'route', 'add', 'default', 'via', ADDR.gwIot);
    this.ip('-n', this.ns.dmz, 'addr', 'add', `${ADDR.honeypot}/24`, 'dev', 'eth0');
    this.ip('-n', this.ns.dmz, 'route', 'add', 'default', 'via', ADDR.gwDmz);
  }

  /** Runs a command in a namespace to completion. */
  exec(role: Role, cmd: string, args: string[], opts: { timeout?: number; env?: NodeJS.ProcessEnv } = {}) {
    return spawnSync('ip', ['netns', 'exec', this.ns[role], cmd, ...args], {
      encoding: 'utf8',
      timeout: opts.timeout ?? 30_000,
      env: opts.env ?? process.env,
    });
  }

  /** Starts a long-running process in a namespace (`ip netns exec` execs it: the PID is the process's own). */
  start(role: Role, cmd: string, args: string[], cwd?: string): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns[role], cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Ends every process still running, by PID, and waits for them. */
  async stopAll(): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 3000).unref();
        }),
    );
    await Promise.all(waits);
  }

  destroy(): void {
    for (const n of Object.values(this.ns)) spawnSync('ip', ['netns', 'del', n]);
  }
}

/** Resolves with the text once `stream` has printed something matching `re` (or rejects after `ms`). */
export function waitFor(child: ChildProcess, re: RegExp, ms = 15_000): Promise<RegExpExecArray> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${seen}`)), ms);
    const on = (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(t);
        child.stdout?.off('data', on);
        child.stderr?.off('data', on);
        resolve(m);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      reject(new Error(`exited (${sig ?? code}) before ${re}; output:\n${seen}`));
    });
  });
}
