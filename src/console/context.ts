/** What the console's routes work on: the store, the views of it, accounts, live hub and the gateway's files. */
import { readFileSync } from 'node:fs';
import type { Publisher } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import type { BundleStore } from '../verify/index.js';
import type { Accounts } from './auth.js';
import type { ConsoleDb } from './console-db.js';
import type { LiveHub } from './live.js';
import type { StoreView } from './store-view.js';
import type { DeviceDirectory, GatewayConfigHook, IotControl } from './ports.js';
import type { RuleLookup } from './explain.js';

export interface ConsoleContext {
  store: SqliteStore;
  view: StoreView;
  cdb: ConsoleDb;
  accounts: Accounts;
  live: LiveHub;
  bundles: BundleStore;
  vendorKeys: string[];
  /** Where the gateway's configuration (gateway.yaml) and state (isolation.json) live. */
  stateDir: string;
  /** The message bus restrictions and device changes are announced on (absent: recorded in the store only). */
  bus?: Publisher;
  /** The policy set shown when the store holds no policy version yet. */
  defaultPolicyFile?: string;
  /** The device registry (in the gateway daemon): groups and restrictions go to it, and so to the kernel. */
  directory?: DeviceDirectory;
  /** The IoT component's device control and initial check (in the gateway daemon with --iot). */
  iot?: IotControl;
  /** The running gateway's configuration, edited by the network step of the first deployment. */
  gatewayConfig?: GatewayConfigHook;
}

/** sid → rule text from the active bundle, re-read when the active version changes. */
export function activeRuleLookup(bundles: () => BundleStore): RuleLookup {
  let version: string | undefined;
  let bySid = new Map<number, string>();
  let name = '';
  return (sid) => {
    const b = bundles();
    const active = b.active();
    if (!active) return undefined;
    if (active.version !== version) {
      version = active.version;
      name = `${active.name}@${active.version}`;
      bySid = new Map();
      try {
        const doc = JSON.parse(readFileSync(active.file, 'utf8')) as { rules: string };
        for (const line of Buffer.from(doc.rules, 'base64').toString('utf8').split('\n')) {
          const m = /\bsid\s*:\s*(\d+)\s*;/.exec(line);
          if (m && !line.trim().startsWith('#')) bySid.set(Number(m[1]), line.trim());
        }
      } catch {
        // An unreadable bundle file leaves the explanation without rule text; A-2 refuses it at the next load.
      }
    }
    const text = bySid.get(sid);
    return text ? { text, bundle: name } : undefined;
  };
}
