/** Suricata's `anomaly` object: decoder events (`type: decode`) and app-layer events (`type: applayer`). */
export function decodeAnomalyEve(event: string): Record<string, unknown> {
  return { type: 'decode', event };
}

export function appLayerAnomalyEve(layer: string, event: string, detail?: string): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'applayer', event, layer };
  if (detail) out.detail = detail;
  return out;
}
