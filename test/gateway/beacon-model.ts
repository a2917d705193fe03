/**
 * An identification model for the gateway's live tests, trained with the identify library (Spec B's decision tree)
 * and registered in the store through its gates, as `moat identify train` would: abuse addresses answer a few
 * devices' short periodic check-ins on one service with a few hundred bytes (beacons, seconds apart, as a test
 * can make them live); clean ones serve downloads of tens of kilobytes and more, at irregular times, to one or many
 * devices, some on a schedule. The traffic features come from the same code the model uses live (`computeFeatures`).
 */
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/framework/prng.js';
import type { CompactFlow, IdentifyRequest } from '../../src/identify/flow-record.js';
import { DEFAULT_TRAIN, ModelRegistry, SKIP_OOD_GATE, trainModel } from '../../src/identify/index.js';
import { openSqlite } from '../../src/store/index.js';
import { toLabelledSet } from '../identify/synthetic.js';

/** Both classes on the same service ports: the port says nothing, the traffic's shape must. */
const PORTS = [80, 443, 8080, 8443, 4444];

function requests(n: number, seed: number): { req: IdentifyRequest; y: number }[] {
  const r = mulberry32(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const out: { req: IdentifyRequest; y: number }[] = [];
  for (let i = 0; i < n; i++) {
    const y = r() < 0.5 ? 1 : 0;
    const ip = `${int(11, 99)}.${int(0, 255)}.${int(0, 255)}.${int(1, 250)}`;
    const flows: CompactFlow[] = [];
    let t = 1_700_000_000 + r() * 1000;
    if (y === 1) {
      const period = 0.2 + r() * 3;
      const port = PORTS[int(0, PORTS.length - 1)];
      const peers = int(1, 3);
      for (let k = 0, nf = int(2, 24); k < nf; k++) {
        t += period * (0.9 + r() * 0.2);
        flows.push({
          peer: `192.168.61.${50 + (k % peers)}`,
          port,
          peer_port: 40000 + int(0, 20000),
          proto: 'tcp',
          pkts_out: int(3, 8),
          pkts_in: int(3, 8),
          bytes_out: int(250, 1600),
          bytes_in: int(250, 1600),
          start: t,
          duration: 0.002 + r() * 0.3,
        });
      }
    } else {
      const peers = int(1, 40);
      // Some downloads are scheduled (updates, backups): regular timing alone is not abuse.
      const every = r() < 0.4 ? 0.2 + r() * 60 : 0;
      // Packets per byte depend on where it is captured: segmentation offload hands over large packets.
      const seg = r() < 0.5 ? 1448 : int(8000, 65000);
      for (let k = 0, nf = int(1, 24); k < nf; k++) {
        const bytesOut = int(20_000, 2_000_000);
        t += every > 0 ? every * (0.95 + r() * 0.1) : -Math.log(1 - r()) * (1 + r() * 60);
        flows.push({
          peer: `192.168.61.${50 + int(0, peers - 1)}`,
          port: PORTS[int(0, PORTS.length - 1)],
          peer_port: 30000 + int(0, 30000),
          proto: 'tcp',
          pkts_out: Math.ceil(bytesOut / seg) + int(2, 4),
          pkts_in: int(3, Math.ceil(bytesOut / 1448)),
          bytes_out: bytesOut,
          bytes_in: int(400, 6000),
          start: t,
          duration: 0.01 + r() * 10,
        });
      }
    }
    out.push({ req: { ip, traffic: { flows } }, y });
  }
  return out;
}

/** Trains the model, registers it through the gates and activates it in the SQLite store at `path`. */
export function trainBeaconModel(path: string): number {
  const db = openSqlite(path);
  try {
    const reg = new ModelRegistry(db);
    // A shallow tree: the test needs the traffic's shape judged, not the sample's accidents learned.
    const model = trainModel(toLabelledSet(requests(600, 5)), {
      ...DEFAULT_TRAIN,
      tree: { ...DEFAULT_TRAIN.tree, maxDepth: 1 },
    });
    const r = reg.submit(
      model,
      { precision: 0.99, coverage: 0.9 },
      { minPrecision: 0.9, minCoverage: 0.8 },
      SKIP_OOD_GATE,
    );
    assert.ok(r.published, r.reasons.join('; '));
    reg.activate(r.version);
    return r.version;
  } finally {
    db.close();
  }
}
