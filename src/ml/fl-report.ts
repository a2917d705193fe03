/**
 * A-91's last step: the registry queues a report when it withdraws a model for hurting user experience
 * (`checkUserExperience`); this sends the queue to the federated-learning server and takes off it what the server
 * acknowledged. What fails stays queued and goes with the next call (the next `moat ml ux-check --fl-server …` or
 * `moat fl report`).
 */
import { sendReports, type ReportConnection } from './fl-client.js';
import type { MlRegistry } from './registry.js';

export async function sendPendingReports(
  registry: MlRegistry,
  c: ReportConnection,
  o: { attempts?: number; delayMs?: number } = {},
): Promise<{ sent: number[]; failed: { reportId: number; error: string }[] }> {
  const pending = registry.pendingReports().map((r) => ({
    reportId: r.id,
    kind: r.kind,
    modelSha256: r.modelSha256,
    version: r.version,
    detail: r.detail.slice(0, 1000),
  }));
  const result = await sendReports(c, pending, o);
  for (const id of result.sent) registry.markReportSent(id);
  return result;
}
