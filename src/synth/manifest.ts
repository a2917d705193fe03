/**
 * What the generator put in the capture, flow by flow: the expected values other components' tests
 * compare their output with (SNI, TLS version, certificate case, DNS names, scan ports, credentials).
 */
export type ScenarioName = 'tls' | 'http' | 'dns' | 'scan' | 'bruteforce';

export const SCENARIOS: readonly ScenarioName[] = ['tls', 'http', 'dns', 'scan', 'bruteforce'];

/** Background flows per scenario on top of its fixed cases. */
export const DEFAULT_FLOWS = 6;

export interface FlowRecord {
  scenario: ScenarioName;
  transport: 'tcp' | 'udp';
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  startUs: number;
  packets: number;
  /** Scenario-specific facts (TLS version/SNI/cipher/certificate case, HTTP method/URI, DNS name/rcode…). */
  facts: Record<string, string | number | boolean | string[]>;
}
