/**
 * A-64 without a sample: the interaction is recorded, desensitised and reported. The instance record
 * is pseudonymised (peer address, credentials, anything personal in commands) and must pass the
 * privacy check before it may leave the appliance.
 */
import type { InstanceRecord } from './instance.js';
import { assertPrivate, desensitise, type Pseudonymiser } from '../dataset/index.js';

export function interactionReport(r: InstanceRecord, p: Pseudonymiser): Record<string, unknown> {
  const clean = {
    id: r.id,
    service: r.service,
    peer: p.ip(r.peerIp),
    localPort: r.localPort,
    start: r.start,
    end: r.end,
    endReason: r.endReason,
    credentials: r.credentials.map((c) => ({
      user: p.credential(c.user),
      password: p.credential(c.password),
      accepted: c.accepted,
    })),
    commands: r.commands.map((c) => ({ at: c.at, route: c.route, line: desensitise(c.line, p) })),
    downloads: r.downloads.map((d) => ({ ...d, url: desensitise(d.url, p), quarantine: undefined })),
    samples: r.samples.map((s) => ({
      sha256: s.sha256,
      size: s.size,
      executed: s.executed,
      source: desensitise(s.source, p),
    })),
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
  };
  assertPrivate(JSON.stringify(clean), p);
  return clean;
}
