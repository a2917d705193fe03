/**
 * A live instance: the glue between a service (telnet, SSH, …), the instance shell, the downloader,
 * the quarantine and the record. Every step is logged as an EVE `honeypot` event as it happens, and
 * the record is stored when the session ends.
 */
import { FakeFs } from './fs.js';
import { Shell, type CommandGate, type ShellHooks } from './shell/shell.js';
import { ReplyTiming } from './shell/timing.js';
import { checkLogin } from './persona.js';
import { honeypotEvent } from './eve.js';
import type { InstanceRecord, SampleRecord } from './instance.js';
import type { Honeypot } from './honeypot.js';

export class Session implements ShellHooks {
  readonly shell: Shell;
  private attempts = 0;
  private closed = false;
  private readonly captured = new Set<string>();
  readonly startedAt = Date.now();

  constructor(
    private readonly hp: Honeypot,
    readonly record: InstanceRecord,
    gate?: CommandGate,
  ) {
    this.shell = new Shell(
      hp.persona,
      new FakeFs(hp.persona),
      this,
      gate,
      new ReplyTiming(hp.timing, record.id),
    );
    hp.log(honeypotEvent(record, 'session_start'));
  }

  /** Records the credentials and says whether the persona accepts them. */
  login(user: string, password: string): boolean {
    this.attempts++;
    const accepted = checkLogin(this.hp.persona, user, password, this.attempts);
    if (this.record.credentials.length < 64) this.record.credentials.push({ user, password, accepted });
    this.hp.log(honeypotEvent(this.record, 'login', { username: user, password, accepted }));
    return accepted;
  }

  /** The device's delay before it answers a login (success is quick, failure waits FAIL_DELAY). */
  loginDelay(accepted: boolean): Promise<void> {
    return this.shell.timing.pause(accepted ? 'login-ok' : 'login-failed');
  }

  /** Runs a line; with `live`, emulator output is handed over as produced (and not returned). */
  async command(line: string, live?: (b: Buffer) => void): Promise<Buffer> {
    const { output, route } = await this.shell.execute(line, live);
    if (line.trim() !== '' && this.record.commands.length < 1000) {
      this.record.commands.push({ at: new Date().toISOString(), line: line.trim().slice(0, 4096), route });
      this.hp.log(honeypotEvent(this.record, 'command', { input: line.trim().slice(0, 4096), route }));
    }
    return output;
  }

  /** Counts bytes; false once the session passed its byte budget. */
  account(bytesIn: number, bytesOut: number): boolean {
    this.record.bytesIn += bytesIn;
    this.record.bytesOut += bytesOut;
    return this.record.bytesIn + this.record.bytesOut <= this.hp.limits.config.maxBytesPerSession;
  }

  async fetch(url: string, tool: string): Promise<Buffer | null> {
    const r = await this.hp.downloader.fetch(url);
    return this.afterFetch(url, tool, r);
  }

  async tftp(host: string, port: number, file: string): Promise<Buffer | null> {
    const r = await this.hp.downloader.tftp(host, port, file);
    return this.afterFetch(`tftp://${host}:${port}/${file}`, 'tftp', r);
  }

  private afterFetch(
    url: string,
    tool: string,
    r: { status: 'fetched' | 'out-of-scope' | 'failed' | 'too-large'; data?: Buffer },
  ): Buffer | null {
    const rec: InstanceRecord['downloads'][number] = { url, tool, status: r.status };
    if (r.data) {
      const s = this.capture(r.data, url, false);
      rec.sha256 = s.sha256;
      rec.size = s.size;
      rec.quarantine = s.quarantine;
    }
    if (this.record.downloads.length < 100) this.record.downloads.push(rec);
    this.hp.log(honeypotEvent(this.record, 'download', { ...rec }));
    return r.data ?? null;
  }

  executed(path: string, data: Buffer, argv: string[]): void {
    const s = this.capture(data, `pushed:${path}`, true);
    this.hp.log(honeypotEvent(this.record, 'execute', { path, argv: argv.slice(0, 16), sha256: s.sha256 }));
  }

  /** quarantine and hand to the sandbox once per content per session. */
  private capture(data: Buffer, source: string, executed: boolean): SampleRecord {
    const q = this.hp.quarantine.store(data, { source, instance: this.record.id, peer: this.record.peerIp });
    const existing = this.record.samples.find((s) => s.sha256 === q.sha256);
    if (existing) {
      if (executed && !existing.executed) existing.executed = true;
      return existing;
    }
    const s: SampleRecord = { sha256: q.sha256, size: q.size, source, quarantine: q.path, executed };
    this.record.samples.push(s);
    if (!this.captured.has(q.sha256)) {
      this.captured.add(q.sha256);
      this.hp.log(honeypotEvent(this.record, 'sample', { sha256: s.sha256, size: s.size, source }));
      this.hp.sampleCaptured(s, this);
    }
    return s;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Files pushed with echo/printf but never executed are samples too.
    for (const f of this.shell.fs.attackerFiles())
      if (f.data.length >= 4) this.capture(f.data, `pushed:${f.path}`, false);
    this.record.end = new Date().toISOString();
    this.record.endReason = reason;
    this.hp.log(
      honeypotEvent(this.record, 'session_end', {
        reason,
        duration_ms: Date.now() - this.startedAt,
        commands: this.record.commands.length,
        samples: this.record.samples.length,
      }),
    );
    this.hp.ended(this);
  }
}
