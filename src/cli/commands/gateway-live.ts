/**
 * `moat gateway neighbours` (the kernel's ARP/MAC table) and `moat gateway peers` (the inter-component
 * communication mapping table, which the running daemon keeps), each with `--json`.
 */
import type { Command } from 'commander';
import {
  apiSocketPath,
  getFromDaemon,
  listNeighbours,
  type LoadedConfig,
  type NeighbourRow,
  type PeerRow,
} from '../../gateway/index.js';

export interface GatewayCliHelpers {
  load: (path: string) => LoadedConfig;
  fromKernel: <T>(read: () => Promise<T>) => Promise<T>;
  columns: (rows: string[][]) => string;
  withConfig: (cmd: Command) => Command;
}

const print = (text: string): boolean => process.stdout.write(text);
const printJson = (v: unknown): boolean => print(JSON.stringify(v, null, 2) + '\n');

export function registerGatewayLive(gateway: Command, h: GatewayCliHelpers): void {
  h.withConfig(gateway.command('neighbours').alias('neigh'))
    .description('the ARP/MAC (neighbour) table from the kernel, with each interface’s zone')
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const plan = h.load(flags.config).plan;
      const rows: NeighbourRow[] = await h.fromKernel(() => listNeighbours(plan));
      if (flags.json) return void printJson(rows);
      print(
        h.columns([
          ['zone', 'interface', 'ip', 'mac', 'state'],
          ...rows.map((r) => [r.zone ?? '-', r.interface, r.ip, r.mac ?? '', r.state.join(',')]),
        ]),
      );
    });

  h.withConfig(gateway.command('peers'))
    .description(
      'the inter-component communication table: internal hosts that talk to each other, until conntrack’s timeout + peers.ageMinutes',
    )
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const { config } = h.load(flags.config);
      const rows = await getFromDaemon<PeerRow[]>(apiSocketPath(config.stateDir), '/api/tables/peers');
      if (flags.json) return void printJson(rows);
      print(
        h.columns([
          ['proto', 'from', 'to', 'connections', 'state', 'expires'],
          ...rows.map((r) => [
            r.protocol,
            `${r.from.zone} ${r.from.ip}`,
            `${r.to.zone} ${r.to.ip}${r.to.port !== undefined ? `:${r.to.port}` : ''}`,
            String(r.connections),
            r.state,
            r.expiresAt,
          ]),
        ]),
      );
    });
}
