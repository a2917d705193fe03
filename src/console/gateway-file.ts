/**
 * The gateway configuration the console edits: standalone, its own `gateway.yaml` in the state directory; inside
 * the gateway daemon, the daemon's configuration, which it reloads at once (and which goes back to what the daemon
 * runs on when the daemon refuses it).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConsoleContext } from './context.js';
import { HttpError } from './route-table.js';

export function gatewayFile(ctx: ConsoleContext): string {
  return ctx.gatewayConfig?.file ?? join(ctx.stateDir, 'gateway.yaml');
}

/** Where the gateway keeps its run-time state (isolation.json). */
export function gatewayStateDir(ctx: ConsoleContext): string {
  return ctx.gatewayConfig?.stateDir ?? ctx.stateDir;
}

/** Writes the configuration atomically; in the daemon, reloads it and restores the old text if that is refused. */
export async function replaceGatewayConfig(ctx: ConsoleContext, text: string): Promise<void> {
  const file = gatewayFile(ctx);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  mkdirSync(dirname(file), { recursive: true });
  const put = (t: string) => {
    writeFileSync(`${file}.tmp`, t);
    renameSync(`${file}.tmp`, file);
  };
  put(text);
  const hook = ctx.gatewayConfig;
  if (!hook) return;
  const r = await hook.reload();
  if (!r.ok) {
    if (before !== undefined) put(before);
    throw new HttpError(409, `the running gateway refused the change: ${r.error ?? 'see its log'}`);
  }
}
