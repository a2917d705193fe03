/**
 * T-46 "address reputation from an external reputation system": the Spec B identification service, in process, from
 * the store its models and intel live in. Its verdict on the destination becomes a list hit the address-reputation
 * dimension scores (black → as named by 3 lists, gray → 1, clean → not listed); answers are cached per address.
 */
import type { SqliteStore } from '../store/index.js';
import { ModelRegistry } from '../identify/index.js';
import { IdentificationService } from '../identify/index.js';
import { IntelStore } from '../intel/index.js';
import { IntelIndex } from '../intel/index.js';
import type { AddressList } from './services.js';

export function identifyReputation(store: SqliteStore): { list: AddressList; modelVersion: number | null } {
  const intel = new IntelStore(store);
  const service = new IdentificationService({
    registry: new ModelRegistry(store),
    intelSource: {
      stamp: () => intel.stamp(),
      load: () => IntelIndex.fromRows(intel.live()),
    },
  });
  const cache = new Map<string, { list: string; count: number } | null>();
  const list: AddressList = {
    lookup(ip) {
      const hit = cache.get(ip);
      if (hit !== undefined) return hit ?? undefined;
      const r = service.identify({ ip });
      const v =
        r.verdict === 'black'
          ? { list: `identify model v${String(r.model_version)}: black (${r.score.toFixed(2)})`, count: 3 }
          : r.verdict === 'gray'
            ? { list: `identify model v${String(r.model_version)}: gray (${r.score.toFixed(2)})`, count: 1 }
            : null;
      if (cache.size > 100_000) cache.clear();
      cache.set(ip, v);
      return v ?? undefined;
    },
  };
  return { list, modelVersion: service.modelVersion };
}
