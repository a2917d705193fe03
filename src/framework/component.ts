/**
 * A-1 logic framework: every long-running part of moat (capture, inspector, honeypot service, API) is a
 * Component with start/stop/health, so the gateway can start them in order and report their state.
 */
export interface Health {
  ok: boolean;
  detail?: string;
}

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Health;
}
