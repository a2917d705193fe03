/** DNS over UDP: one message per datagram (RFC 1035 §4.2.1). */
import type { DatagramParser, Direction } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import { parseDnsMessage } from './message.js';
import { DnsTransactions } from './transactions.js';

export class DnsDatagramParser implements DatagramParser {
  readonly proto = 'dns' as const;
  private readonly txs = new DnsTransactions();

  constructor(private readonly ctx: AppContext) {}

  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    emitDnsMessage(this.ctx, this.txs, buf, off, len, 'udp', tsUs, dir);
  }

  onEnd(_tsUs: number): void {
    // Every datagram was reported when it arrived; nothing is pending.
  }
}

/** Parses one message and hands on its record and anomalies. Shared by the UDP and TCP parsers. */
export function emitDnsMessage(
  ctx: AppContext,
  txs: DnsTransactions,
  buf: Buffer,
  off: number,
  len: number,
  transport: 'udp' | 'tcp',
  tsUs: number,
  dir: Direction,
): void {
  const res = parseDnsMessage(buf, off, len, transport);
  const msg = res.message;
  // The message's transaction, numbered before its events so they name it as Suricata's anomaly log does.
  if (msg) msg.txId = msg.isResponse ? txs.forResponse(msg.id) : txs.forQuery(msg.id);
  const txId = msg?.txId;
  if (res.anomalies)
    for (const anomaly of res.anomalies)
      ctx.emit({ type: 'anomaly', anomaly: { ...anomaly, dir, txId } }, tsUs);
  if (!msg) return;
  // A response going to the server, a query going to the client: Suricata's events, raised before the record so
  // they travel with its transaction.
  if (dir === 0 && msg.isResponse)
    ctx.emit(
      { type: 'anomaly', anomaly: { event: 'dns.not_a_request', detail: 'QR set to the server', dir, txId } },
      tsUs,
    );
  else if (dir === 1 && !msg.isResponse)
    ctx.emit(
      {
        type: 'anomaly',
        anomaly: { event: 'dns.not_a_response', detail: 'QR clear to the client', dir, txId },
      },
      tsUs,
    );
  msg.dir = dir;
  ctx.emit({ type: 'dns', dns: msg }, tsUs);
}
