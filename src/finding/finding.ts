/**
 * What an inspector found, as it hands it on: one typed Finding per fact, never an EVE object. The inspection
 * stage (rules, the TLS monitor, the identification model, log review, the event cache) returns findings; the
 * outputs render them — EVE writes each event together with the remarks on it and each alert as an event of its
 * own, and alert channels receive the alerts that name them. Findings describe what was judged, in the
 * vocabulary of the judgement; where they are written and how is the outputs' business.
 *
 * A finding belongs to the call that returned it: a record's findings to that record, a packet's to that
 * packet, a flow end's to that flow. The output takes the tuple, time and packet from there.
 */

/** A rule's or a check's identity, as an alert names it (Suricata's `alert` object). */
export interface Signature {
  readonly gid: number;
  readonly sid: number;
  readonly rev: number;
  /** What the rule says it found (Suricata's `signature`, the rule's `msg`). */
  readonly msg: string;
  /** The classtype's description; '' when the rule has none. */
  readonly category: string;
  /** 1 (most severe) to 4. */
  readonly severity: number;
  /** Values by key (a rule's `metadata:`, a check's policy or verdict); left out when absent. */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
}

/** Whether the traffic was stopped: 'blocked' only when enforcement acted; offline nothing is. */
export type AlertAction = 'allowed' | 'blocked';

/** Direction of the traffic that raised an alert: 0 client → server, 1 server → client (its source is the server). */
export type AlertDirection = 0 | 1;

/** Flowbits named traffic/id/NAME and traffic/label/NAME tag a flow (Suricata's `traffic.id`, `traffic.label`). */
export interface TrafficTags {
  readonly id?: readonly string[];
  readonly label?: readonly string[];
}

/** One dimension's part in a TLS score (T-3). */
export interface TlsScoreDimension {
  readonly dimension: string;
  readonly raw: unknown;
  /** null when unavailable and excluded. */
  readonly score: number | null;
  readonly weight: number;
  readonly contribution: number | null;
  readonly available: boolean;
  readonly note?: string;
  /** The policy finding this dimension reported (an expired certificate, a listed address …). */
  readonly finding?: string;
  /** A popularity dimension left out because it would have lowered F. */
  readonly heat_left_out?: boolean;
}

/** A decisive finding that bounded F (`cap`) or made the verdict risky whatever F is (`veto`). */
export interface TlsScoreDecision {
  readonly finding: string;
  readonly dimension: string;
  readonly action: 'veto' | 'cap';
  readonly cap?: number;
  readonly note?: string;
}

export interface TlsScoreGroup {
  readonly score: number | null;
  readonly weight: number;
  readonly contribution: number | null;
  readonly dimensions: readonly TlsScoreDimension[];
}

/** The TLS monitor's verdict on a handshake and how it was reached, with Spec T's names (EVE `tls.moat.score`). */
export interface TlsScore {
  readonly policy: string;
  /** Which selector chose the policy ('default' when none matched). */
  readonly selected_by: string;
  readonly scenario?: string;
  /** Where the scored chain came from: handshake, observed, fetched, none. */
  readonly chain_source: string;
  /** F, rounded to 4 places; null when nothing could be scored. */
  readonly score: number | null;
  readonly condition: string;
  readonly verdict: 'safe' | 'risky' | 'undetermined';
  readonly decided_by?: readonly TlsScoreDecision[];
  /** Why the verdict is undetermined, when it is. */
  readonly undetermined?: string;
  readonly certificate: TlsScoreGroup;
  readonly address: TlsScoreGroup;
  readonly reputation: TlsScoreGroup;
}

/** What every alert has. */
interface AlertFacts {
  readonly signature: Signature;
  readonly action: AlertAction;
}

/** A rule matched: on a record, on a packet, or (at the flow's end) on the flow's reassembled stream. */
export interface RuleAlert extends AlertFacts {
  readonly kind: 'rule-alert';
  readonly dir: AlertDirection;
  /** A stream match: the reassembled bytes it matched in (written when the payload options ask). */
  readonly payload?: Buffer;
  /** The flow's traffic tags when the rule matched. */
  readonly traffic?: TrafficTags;
}

/** The TLS monitor judged a handshake risky (T-4) and what its policy asks for (T-5). */
export interface TlsAlert extends AlertFacts {
  readonly kind: 'tls-alert';
  readonly score: TlsScore;
  /** The policy asked for a block that did not happen (offline, or no block sink). */
  readonly wouldBlock: boolean;
  readonly blocked: boolean;
  /** The policy's alert channels (webhook, SMTP, syslog) that must receive the alert besides EVE. */
  readonly channels: readonly string[];
}

/** An event-cache entry (A-36/37) as a decision names it. */
export interface CacheEntryFacts {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly proto: number;
  readonly operationType: string;
  readonly operation: string;
  readonly operationArg?: string;
  readonly eventId: string;
  readonly diagnosis: string;
  readonly status: string;
  readonly scope: string;
  readonly direction: string;
  readonly hits: number;
}

/** The event cache decided a flow before any other check; reported once per flow. */
export interface CacheAlert extends AlertFacts {
  readonly kind: 'cache-alert';
  readonly dir: AlertDirection;
  readonly entry: CacheEntryFacts;
}

/** The identification model's verdict on one endpoint of a flow. */
export interface ModelVerdictFacts {
  readonly ip: string;
  readonly verdict: string;
  readonly score: number;
  readonly modelVersion: number | null;
  readonly rulesFired: readonly string[];
  readonly reasons: readonly string[];
  readonly category?: string;
  /** Flows of this address the verdict rests on, and the sampling they were taken at (N of 1:N). */
  readonly flowsSeen: number;
  readonly samplingRate: number;
}

/** The model flagged an endpoint of a flow that just ended (black, or gray above the configured score). */
export interface ModelAlert extends AlertFacts {
  readonly kind: 'model-alert';
  /** A black verdict asks for blocking; offline nothing blocks, so the wish is recorded. */
  readonly wouldBlock: boolean;
  readonly model: ModelVerdictFacts;
}

/** What log review measured against which limit, and the restriction it chose. */
export interface ReviewFacts {
  readonly rule: string;
  readonly device: string;
  /** The (sampling-scaled) count or volume that crossed the limit. */
  readonly value: number;
  readonly limit: number;
  readonly windowS: number;
  readonly operation: string;
  readonly operationArg?: string;
  readonly lifetimeS: number;
}

/** Log review restricted a device: about the device, not about one flow. */
export interface ReviewAlert extends AlertFacts {
  readonly kind: 'review-alert';
  readonly review: ReviewFacts;
}

export type Alert = RuleAlert | TlsAlert | CacheAlert | ModelAlert | ReviewAlert;

/** A remark on the record it was found on: the TLS monitor's score of a handshake. */
export interface TlsScoreNote {
  readonly kind: 'tls-score';
  readonly score: TlsScore;
  /** A verdict re-issued later (a certificate fetch completed): the first verdict, when, and why it changed. */
  readonly updateOf?: { readonly verdict: string; readonly tsUs: number; readonly reason: string };
}

/** A remark on the flow that ended: its traffic tags (rules' flowbits), and whether a rule bypassed it. */
export interface TrafficNote {
  readonly kind: 'traffic';
  readonly traffic?: TrafficTags;
  readonly bypassed?: boolean;
}

/** A remark on the packet being inspected: a rule's `tag` marks it (written as an EVE `packet` record). */
export interface TaggedPacketNote {
  readonly kind: 'tagged-packet';
}

export type Note = TlsScoreNote | TrafficNote | TaggedPacketNote;

/** Everything an inspector can find. */
export type Finding = Alert | Note;

export function isAlert(f: Finding): f is Alert {
  return f.kind !== 'tls-score' && f.kind !== 'traffic' && f.kind !== 'tagged-packet';
}
