/**
 * The object a parsed rule is. A class, so that every rule starts from one hidden class and the options add their
 * fields along shared transitions: ET Open's 14,049 rules as plain objects ended up in dictionary mode (an accessor
 * defined on each for its metadata: ~1.3 KB more per rule, 22 MB) or, given a prototype by an object literal, each
 * with a hidden class of its own (7.5 MB of maps and descriptors).
 */
import type {
  AppProtoTest,
  BufferMatch,
  BufferName,
  DatasetOp,
  FlowbitOp,
  FlowOptions,
  IpRep,
  Rule,
  RuleAction,
} from '../rule.js';
import type { AddressSet } from './address.js';
import type { PortSet } from './ports.js';
import { parseMetadata } from '../keywords/meta.js';

export class ParsedRule implements Rule {
  sid = 0;
  rev = 1;
  gid = 1;
  msg = '';
  references: string[] = [];
  flow: FlowOptions = {};
  buffers = new Map<BufferName, BufferMatch[]>();
  flowbits: FlowbitOp[] = [];
  iprep: IpRep[] = [];
  datasets: DatasetOp[] = [];
  appProtos: AppProtoTest[] = [];
  declare metadataText?: string[];

  constructor(
    public action: RuleAction,
    public proto: string,
    public src: AddressSet,
    public srcPorts: PortSet,
    public bidirectional: boolean,
    public dst: AddressSet,
    public dstPorts: PortSet,
  ) {}

  /**
   * Split from `metadataText` on first read (only alerting rules need it; ET's ten keys per rule were ~7 MB), then
   * kept on the rule as a plain field.
   */
  get metadata(): Record<string, string[]> {
    const value = parseMetadata(this.metadataText ?? []);
    ownMetadata(this, value);
    return value;
  }

  set metadata(value: Record<string, string[]>) {
    ownMetadata(this, value);
  }
}

function ownMetadata(rule: Rule, value: Record<string, string[]>): void {
  Object.defineProperty(rule, 'metadata', { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of a parsed rule with some fields replaced: a ParsedRule too (a spread would lose `metadata`). */
export function withFields(rule: Rule, fields: Partial<Rule>): Rule {
  return Object.assign(Object.create(Object.getPrototypeOf(rule) as object) as Rule, rule, fields);
}

/** The empty list parsed rules without references, flowbits … share; frozen, so a stray push fails loudly. */
const EMPTY = Object.freeze([]) as unknown as never[];

/**
 * A list as a rule keeps it: the shared empty list, or a copy the size of its contents — a list grown by push keeps
 * room for 16 more entries (~5 MB over ET's rules).
 */
function fit<T>(list: T[]): T[] {
  return list.length === 0 ? EMPTY : list.slice();
}

/**
 * `flow:` options as rules share them: ET's 14,049 rules name a dozen combinations. Frozen, like the empty list.
 */
const FLOWS = new Map<string, FlowOptions>();

function sharedFlow(flow: FlowOptions): FlowOptions {
  const key = JSON.stringify(flow);
  let f = FLOWS.get(key);
  if (f === undefined) FLOWS.set(key, (f = Object.freeze(flow)));
  return f;
}

/** Fits the lists a parsed rule holds (see `fit`) and shares its flow options. */
export function compactRule(rule: Rule): void {
  rule.flow = sharedFlow(rule.flow);
  rule.references = fit(rule.references);
  rule.flowbits = fit(rule.flowbits);
  rule.iprep = fit(rule.iprep);
  rule.datasets = fit(rule.datasets);
  rule.appProtos = fit(rule.appProtos);
  if (rule.metadataText) rule.metadataText = fit(rule.metadataText);
  for (const [b, ms] of rule.buffers) rule.buffers.set(b, fit(ms));
}
