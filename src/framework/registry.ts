/**
 * Starts components in dependency order and stops them in reverse (A-1). The order is fixed before anything
 * starts: an unknown dependency or a cycle is refused with the names involved, so a bad composition never leaves
 * half a daemon running. A start that fails stops what already started, in reverse, and reports both.
 */
import type { Component, Health } from './component.js';

export type ComponentState = 'registered' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface ComponentReport extends Health {
  name: string;
  state: ComponentState;
}

export interface RegistryHealth {
  /** Every component running and reporting ok. */
  ok: boolean;
  /** In start order. */
  components: ComponentReport[];
}

/** The composition itself is wrong: a duplicate name, an unknown dependency or a dependency cycle. */
export class ComponentGraphError extends Error {
  constructor(
    message: string,
    readonly kind: 'duplicate' | 'unknown-dependency' | 'cycle',
    /** The components involved; for a cycle, in cycle order. */
    readonly names: readonly string[],
  ) {
    super(message);
    this.name = 'ComponentGraphError';
  }
}

/** A component failed to start; those started before it were stopped again (`rollbackErrors`: any that failed to). */
export class ComponentStartError extends Error {
  constructor(
    readonly component: string,
    override readonly cause: unknown,
    readonly rollbackErrors: ReadonlyArray<{ name: string; error: unknown }>,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const rb = rollbackErrors.length
      ? `; stopping the others also failed: ${rollbackErrors.map((e) => `${e.name}: ${messageOf(e.error)}`).join('; ')}`
      : '';
    super(`component '${component}' failed to start: ${why}${rb}`);
    this.name = 'ComponentStartError';
  }
}

/** One or more components failed to stop; every other one was still stopped. */
export class ComponentStopError extends Error {
  constructor(readonly failures: ReadonlyArray<{ name: string; error: unknown }>) {
    super(
      `${failures.length} component(s) failed to stop: ${failures.map((f) => `${f.name}: ${messageOf(f.error)}`).join('; ')}`,
    );
    this.name = 'ComponentStopError';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ComponentRegistry {
  private readonly components = new Map<string, Component>();
  private readonly states = new Map<string, { state: ComponentState; error?: string }>();
  /** The components started by the last start(), in order: stop() walks it backwards. */
  private started: Component[] = [];
  private busy = false;

  /** Adds a component; its dependencies may be added later, they are checked when the order is computed. */
  add(c: Component): this {
    if (this.components.has(c.name))
      throw new ComponentGraphError(`component '${c.name}' is registered twice`, 'duplicate', [c.name]);
    if (this.started.length > 0 || this.busy)
      throw new Error(
        `cannot add component '${c.name}': the registry is running; add components before start()`,
      );
    this.components.set(c.name, c);
    this.states.set(c.name, { state: 'registered' });
    return this;
  }

  get<T extends Component = Component>(name: string): T | undefined {
    return this.components.get(name) as T | undefined;
  }

  get names(): string[] {
    return [...this.components.keys()];
  }

  /**
   * Start order: every component after all it depends on; otherwise in the order they were added, so the same
   * composition always starts the same way.
   */
  order(): string[] {
    const out: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const onPath = new Set<string>();
    const visit = (name: string): void => {
      if (done.has(name)) return;
      if (onPath.has(name)) {
        const cycle = [...path.slice(path.indexOf(name)), name];
        throw new ComponentGraphError(`dependency cycle: ${cycle.join(' → ')}`, 'cycle', cycle.slice(0, -1));
      }
      const c = this.components.get(name);
      if (!c) throw new Error(`internal: visiting unregistered component '${name}'`);
      onPath.add(name);
      path.push(name);
      for (const dep of c.dependsOn ?? []) {
        if (!this.components.has(dep)) {
          throw new ComponentGraphError(
            `component '${name}' depends on '${dep}', which is not registered (registered: ${this.names.join(', ') || 'none'})`,
            'unknown-dependency',
            [name, dep],
          );
        }
        visit(dep);
      }
      path.pop();
      onPath.delete(name);
      done.add(name);
      out.push(name);
    };
    for (const name of this.components.keys()) visit(name);
    return out;
  }

  /** Starts every component in dependency order; on a failure stops those already started, in reverse, and throws. */
  async start(): Promise<void> {
    if (this.busy || this.started.length > 0) throw new Error('the registry is already started');
    const order = this.order().map((n) => this.components.get(n) as Component);
    this.busy = true;
    try {
      for (const c of order) {
        this.setState(c.name, 'starting');
        try {
          await c.start();
        } catch (err) {
          this.setState(c.name, 'failed', messageOf(err));
          const rollbackErrors = await this.stopStarted();
          throw new ComponentStartError(c.name, err, rollbackErrors);
        }
        this.started.push(c);
        this.setState(c.name, 'running');
      }
    } finally {
      this.busy = false;
    }
  }

  /** Stops every started component in reverse start order; all are stopped even when some fail (then throws). */
  async stop(): Promise<void> {
    if (this.busy) throw new Error('the registry is starting or stopping already');
    this.busy = true;
    try {
      const failures = await this.stopStarted();
      if (failures.length > 0) throw new ComponentStopError(failures);
    } finally {
      this.busy = false;
    }
  }

  private async stopStarted(): Promise<Array<{ name: string; error: unknown }>> {
    const failures: Array<{ name: string; error: unknown }> = [];
    while (this.started.length > 0) {
      const c = this.started.pop() as Component;
      this.setState(c.name, 'stopping');
      try {
        await c.stop();
        this.setState(c.name, 'stopped');
      } catch (err) {
        this.setState(c.name, 'failed', `stop failed: ${messageOf(err)}`);
        failures.push({ name: c.name, error: err });
      }
    }
    return failures;
  }

  /** Every component's state and health, in start order (registration order when the graph is broken). */
  health(): RegistryHealth {
    let names: string[];
    try {
      names = this.order();
    } catch {
      names = this.names;
    }
    const components = names.map((name): ComponentReport => {
      const s = this.states.get(name) ?? { state: 'registered' as const };
      if (s.state !== 'running') return { name, state: s.state, ok: false, detail: s.error ?? s.state };
      try {
        const h = (this.components.get(name) as Component).health();
        return { name, state: s.state, ok: h.ok, ...(h.detail !== undefined ? { detail: h.detail } : {}) };
      } catch (err) {
        return { name, state: s.state, ok: false, detail: `health check threw: ${messageOf(err)}` };
      }
    });
    return { ok: components.every((c) => c.ok), components };
  }

  private setState(name: string, state: ComponentState, error?: string): void {
    this.states.set(name, error === undefined ? { state } : { state, error });
  }
}
