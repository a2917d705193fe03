/**
 * An event cache table's own decisions announced on the bus: log review writes its restrictions straight
 * into its table, not through a verdict, so without this the gateway's enforcer — which takes entries from the bus's
 * `cache-entry` topic — never hears of them. New and changed entries go out as `put`, removals as `del`; hits are
 * not announced (one per packet would flood the bus, and the kernel counts its own).
 */
import type { MoatTopics, Publisher } from '../framework/index.js';
import type { CacheEntry, EventCacheTable } from './event-cache.js';

export interface CachePublisherOptions {
  /** Which entries are announced (default: all). Entries that came from the bus must not go back onto it. */
  filter?: (entry: CacheEntry) => boolean;
}

/** Announces the table's changes on `bus` from now on; returns how many were published, read at any time. */
export function publishCacheChanges(
  table: EventCacheTable,
  bus: Publisher,
  opts: CachePublisherOptions = {},
): { readonly published: number } {
  const state = { published: 0 };
  // A removal names only its key: the entry last announced under it is what is removed.
  const announced = new Map<string, CacheEntry>();
  const previous = table.onChange;
  table.onChange = (key, kind, entry) => {
    previous?.(key, kind, entry);
    if (kind === 'hit') return;
    if (kind === 'put' && entry) {
      if (opts.filter && !opts.filter(entry)) return;
      const copy = { ...entry };
      announced.set(key, copy);
      bus.publish('cache-entry', { change: 'put', entry: copy } satisfies MoatTopics['cache-entry']);
      state.published++;
      return;
    }
    if (kind === 'del') {
      const last = announced.get(key);
      if (!last) return;
      announced.delete(key);
      bus.publish('cache-entry', { change: 'del', entry: last });
      state.published++;
    }
  };
  return state;
}
