/**
 * A-1 logic framework: every long-running part of moat (capture, inspector, honeypot service, API, the message bus)
 * is a Component with start/stop/health and the configuration it runs with, so a ComponentRegistry can start them
 * in dependency order, stop them in reverse and report their state together. A new component only declares the
 * names it depends on; nothing else changes (A-1: "new components can be added without changing the rest").
 */
export interface Health {
  ok: boolean;
  /** What an operator should know: why it is not ok, or a short status ("3 subscriptions, 0 pending"). */
  detail?: string;
}

export interface Component<C = unknown> {
  /** Unique within a registry; what other components name in `dependsOn`. */
  readonly name: string;
  /** Names of the components that must be running before this one starts (and stop after it). */
  readonly dependsOn?: readonly string[];
  /** What the component runs with, as validated by whoever built it (read-only once built). */
  readonly config: Readonly<C>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Cheap and synchronous: the registry calls it for every running component when asked for health. */
  health(): Health;
}

export interface ComponentSpec<C> {
  name: string;
  config: C;
  dependsOn?: readonly string[];
  start?: () => Promise<void> | void;
  stop?: () => Promise<void> | void;
  health?: () => Health;
}

/**
 * A component from plain functions, for parts that are not classes of their own (an HTTP server, a capture loop):
 * missing hooks do nothing, and health defaults to ok.
 */
export function defineComponent<C>(spec: ComponentSpec<C>): Component<C> {
  return {
    name: spec.name,
    dependsOn: spec.dependsOn ?? [],
    config: spec.config,
    async start() {
      await spec.start?.();
    },
    async stop() {
      await spec.stop?.();
    },
    health: () => (spec.health ? spec.health() : { ok: true }),
  };
}
