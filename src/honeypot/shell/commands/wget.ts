/**
 * `wget URL [-O FILE]`: really fetched only inside the allowed scope by the host; the file lands
 * in the fake filesystem so the following `chmod +x; ./file` finds it. Messages and the progress bar
 * follow BusyBox; the transfer takes the emulated uplink's time, and on a terminal the bar is redrawn
 * about once a second as BusyBox does, instead of the whole reply arriving at once.
 */
import type { CommandContext, ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export function fileNameOf(url: string): string {
  const p = url.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0];
  const last = p.split('/').filter(Boolean).pop();
  return last ?? 'index.html';
}

/** BusyBox's size column: bytes below 100000, then k/M with at most four digits. */
function sizeText(n: number): string {
  if (n < 100_000) return String(n).padStart(5);
  if (n < 10_000 * 1024) return `${String(Math.floor(n / 1024)).padStart(4)}k`;
  return `${String(Math.floor(n / (1024 * 1024))).padStart(4)}M`;
}

function eta(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const hh = String(Math.floor(s / 3600)).padStart(2);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

export function progressLine(name: string, done: number, total: number, etaSeconds: number): string {
  const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
  const stars = Math.floor((pct * 32) / 100);
  return `${name.slice(0, 20).padEnd(20)} ${String(pct).padStart(3)}% |${'*'.repeat(stars).padEnd(32)}| ${sizeText(done)} ${eta(etaSeconds)} ETA`;
}

/** Waits out connect + transfer time (minus what the real fetch already took), drawing the bar. */
export async function paceTransfer(
  ctx: CommandContext,
  name: string,
  size: number,
  alreadyMs: number,
  bar: boolean,
): Promise<void> {
  const t = ctx.host.timing;
  await t.sleep(Math.max(0, t.draw('connect') - alreadyMs / Math.max(t.config.scale, 1e-9)));
  const total = t.transferMs(size);
  // BusyBox redraws about once a second of (modelled) transfer time.
  if (bar && ctx.host.live && t.config.scale > 0 && total >= 1000) {
    const steps = Math.min(600, Math.floor(total / 1000));
    for (let k = 0; k < steps; k++) {
      const done = Math.floor((size * k) / (steps + 1));
      ctx.err(`\r${progressLine(name, done, size, ((steps + 1 - k) * total) / (steps + 1) / 1000)}`);
      await t.sleep(total / (steps + 1));
    }
    await t.sleep(total / (steps + 1));
  } else await t.sleep(total);
  if (bar) ctx.err(`\r${progressLine(name, size, size, 0)}\n`);
}

export const wget: ShellCommand = {
  names: ['wget'],
  async run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1), 'OPTU');
    const url = rest[0];
    if (!url) {
      ctx.err(
        'BusyBox v1.24.2 multi-call binary.\n\nUsage: wget [-c|--continue] [-s|--spider] [-q|--quiet] [-O|--output-document FILE]\n',
      );
      return 1;
    }
    const full = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
    const hostPort = full.replace(/^[a-z]+:\/\//i, '').split('/')[0];
    const withPort = hostPort.includes(':') ? hostPort : `${hostPort}:80`;
    const quiet = flags.has('q');
    if (!quiet) ctx.err(`Connecting to ${hostPort} (${withPort})\n`);
    const started = Date.now();
    const data = await ctx.host.fetch(full, 'wget');
    if (!data) {
      await ctx.host.timing.pause('connect');
      ctx.err(`wget: can't connect to remote host (${withPort.split(':')[0]}): Connection refused\n`);
      return 1;
    }
    const target = flags.get('O') ?? fileNameOf(full);
    if (target !== '-' && !ctx.fs.put(ctx.resolve(target), data, 0o644)) {
      ctx.err(`wget: can't open '${target}': Permission denied\n`);
      return 1;
    }
    await paceTransfer(
      ctx,
      target === '-' ? '-' : target.split('/').pop()!,
      data.length,
      Date.now() - started,
      !quiet,
    );
    if (target === '-') ctx.out(data);
    return 0;
  },
};
