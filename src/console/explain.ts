/**
 * An alert's explanation, the same for the console and the notification channels: the rule text that matched,
 * the TLS score broken down per dimension, the model's fired rules and the log-review figures, each taken from the
 * alert's EVE as the engine wrote it (nothing re-computed, so the explanation is what the engine decided on).
 */
type Eve = Record<string, unknown>;

export interface DimensionPart {
  dimension: string;
  raw: unknown;
  score: number | null;
  weight: number;
  contribution: number;
  available: boolean;
  note?: string;
  finding?: string;
}

export interface Explanation {
  summary: string;
  rule?: { sid: number; text: string | null; bundle: string | null };
  tls?: {
    policy: string;
    score: number | null;
    condition: string;
    verdict: string;
    decidedBy: Array<{ finding: string; dimension: string; action: string; note?: string }>;
    groups: Array<{
      group: string;
      score: number | null;
      weight: number;
      contribution: number;
      dimensions: DimensionPart[];
    }>;
  };
  model?: { verdict: string; score: number; version: number | null; rulesFired: string[]; reasons: string[] };
  logReview?: {
    rule: string;
    device: string;
    value: number;
    limit: number;
    windowS: number;
    operation: string;
  };
  eventCache?: { operation: string; diagnosis: string; eventId: string; status: string };
}

/** Rule text of a sid in the active bundle, when there is one. */
export type RuleLookup = (sid: number) => { text: string; bundle: string } | undefined;

const obj = (v: unknown): Eve => (v && typeof v === 'object' ? (v as Eve) : {});

export function explainAlert(ev: Eve, rules: RuleLookup): Explanation {
  const a = obj(ev.alert);
  const sid = Number(a.signature_id ?? 0);
  const moat = obj(ev.moat);
  const out: Explanation = {
    summary: `${String(a.signature ?? 'alert')} — ${String(ev.src_ip ?? '?')}${ev.src_port !== undefined ? `:${String(ev.src_port)}` : ''} → ${String(ev.dest_ip ?? '*')}${ev.dest_port !== undefined ? `:${String(ev.dest_port)}` : ''} (${String(a.action ?? 'allowed')})`,
  };
  // Engine-made alerts (TLS monitor 91xxxxx, log review / cache 94xxxxx) have no rule text: their facts explain them.
  const rule = rules(sid);
  if (rule || sid < 9_000_000) out.rule = { sid, text: rule?.text ?? null, bundle: rule?.bundle ?? null };
  const score = obj(obj(obj(ev.tls).moat).score);
  if (score.policy !== undefined) {
    out.tls = {
      policy: String(score.policy),
      score: (score.score as number | null) ?? null,
      condition: String(score.condition ?? ''),
      verdict: String(score.verdict ?? ''),
      decidedBy: ((score.decided_by as Eve[] | undefined) ?? []).map((d) => ({
        finding: String(d.finding),
        dimension: String(d.dimension),
        action: String(d.action),
        ...(d.note !== undefined ? { note: String(d.note) } : {}),
      })),
      groups: (['certificate', 'address', 'reputation'] as const).map((g) => {
        const grp = obj(score[g]);
        return {
          group: g,
          score: (grp.score as number | null) ?? null,
          weight: Number(grp.weight ?? 0),
          contribution: Number(grp.contribution ?? 0),
          dimensions: ((grp.dimensions as Eve[] | undefined) ?? []).map((d) => ({
            dimension: String(d.dimension),
            raw: d.raw,
            score: (d.score as number | null) ?? null,
            weight: Number(d.weight ?? 0),
            contribution: Number(d.contribution ?? 0),
            available: d.available === true,
            ...(d.note !== undefined ? { note: String(d.note) } : {}),
            ...(d.finding !== undefined ? { finding: String(d.finding) } : {}),
          })),
        };
      }),
    };
  }
  const model = obj(moat.model);
  if (model.verdict !== undefined) {
    out.model = {
      verdict: String(model.verdict),
      score: Number(model.score),
      version: (model.model_version as number | null) ?? null,
      rulesFired: (model.rules_fired as string[] | undefined) ?? [],
      reasons: (model.reasons as string[] | undefined) ?? [],
    };
  }
  const lr = obj(moat.log_review);
  if (lr.rule !== undefined) {
    out.logReview = {
      rule: String(lr.rule),
      device: String(lr.device),
      value: Number(lr.value),
      limit: Number(lr.limit),
      windowS: Number(lr.window_s),
      operation: String(lr.operation),
    };
  }
  const ec = obj(moat.event_cache);
  if (ec.operation !== undefined) {
    out.eventCache = {
      operation: String(ec.operation),
      diagnosis: String(ec.diagnosis),
      eventId: String(ec.event_id),
      status: String(ec.status),
    };
  }
  return out;
}

/** The explanation as plain text lines, for mail and syslog. */
export function explanationText(x: Explanation): string {
  const lines = [x.summary];
  if (x.rule) lines.push(`rule ${x.rule.sid}: ${x.rule.text ?? '(rule text not in the active bundle)'}`);
  if (x.tls) {
    lines.push(
      `TLS policy ${x.tls.policy}: score ${String(x.tls.score)}, needs ${x.tls.condition} → ${x.tls.verdict}`,
    );
    for (const d of x.tls.decidedBy)
      lines.push(`  decided by ${d.dimension} ${d.finding} (${d.action})${d.note ? `: ${d.note}` : ''}`);
    for (const g of x.tls.groups)
      for (const d of g.dimensions)
        if (d.available)
          lines.push(`  ${g.group}.${d.dimension}: ${String(d.raw)} → ${String(d.score)} ×${d.weight}`);
  }
  if (x.model)
    lines.push(
      `model v${String(x.model.version)}: ${x.model.verdict} ${x.model.score}; rules ${x.model.rulesFired.join(', ')}`,
    );
  if (x.logReview)
    lines.push(
      `log review ${x.logReview.rule}: ${x.logReview.value} > ${x.logReview.limit} in ${x.logReview.windowS} s → ${x.logReview.operation}`,
    );
  if (x.eventCache)
    lines.push(`event cache: ${x.eventCache.operation} (${x.eventCache.diagnosis} ${x.eventCache.eventId})`);
  return lines.join('\n');
}
