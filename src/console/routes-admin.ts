/** TLS policies (edit, validate per field, what-if), NAT and port mappings, self-isolation, channels, users, audit. */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDocument, stringify as yamlStringify } from 'yaml';
import {
  GatewayConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
  portMappings,
  readIsolation,
  listConntrack,
} from '../gateway/index.js';
import { handshakeSchema, featuresFromInput, HandshakeInputError, PolicyVersions } from '../api/index.js';
import { MemoryHeatHistory, PolicyError, scoreEve, TlsMonitor, validatePolicyFile } from '../tlsmon/index.js';
import type { ConsoleContext } from './context.js';
import { HttpError, route, type RouteDef } from './route-table.js';
import { PASSWORD_MIN } from './routes-setup.js';
import { gatewayFile, gatewayStateDir, replaceGatewayConfig } from './gateway-file.js';

/** Policy fields the console edits one by one: `policies.<name>.<field>`. */
export const POLICY_FIELDS = [
  'weights.certificate',
  'weights.address',
  'weights.reputation',
  'condition.op',
  'condition.threshold',
] as const;

const edits = z.record(
  z
    .string()
    .regex(
      /^policies\.[\w-]+\.(weights\.(certificate|address|reputation)|condition\.(op|threshold))$/,
      'an editable policy field',
    ),
  z.union([z.number(), z.string().max(8)]),
);
const policyChange = z.strictObject({ edits: edits.default({}) });

interface Problem {
  path: string;
  message: string;
}

/** `policies.home.weights: …` → path and message; PolicyError problems are `path: message`. */
function splitProblem(p: string): Problem {
  const i = p.indexOf(': ');
  return i > 0 ? { path: p.slice(0, i), message: p.slice(i + 2) } : { path: '', message: p };
}

export function adminRoutes(ctx: ConsoleContext): RouteDef[] {
  const { cdb } = ctx;
  const versions = () => new PolicyVersions(ctx.store);
  const currentText = (): string => {
    const t = ctx.view.policyText();
    if (t !== undefined) return t;
    if (ctx.defaultPolicyFile && existsSync(ctx.defaultPolicyFile))
      return readFileSync(ctx.defaultPolicyFile, 'utf8');
    throw new HttpError(404, 'no TLS policy set in the store and no default policy file');
  };
  /** The current policy text with the edits applied (comments kept), and its problems if any. */
  const apply = (e: Record<string, string | number>) => {
    const doc = parseDocument(currentText());
    for (const [path, value] of Object.entries(e)) doc.setIn(path.split('.'), value);
    const text = doc.toString();
    try {
      validatePolicyFile(doc.toJS(), 'console');
      return { text, problems: [] as Problem[] };
    } catch (err) {
      if (err instanceof PolicyError) return { text, problems: err.problems.map(splitProblem) };
      throw err;
    }
  };
  const policyFields = (text: string) => {
    const js = parseDocument(text).toJS() as {
      default?: string;
      policies?: Record<string, Record<string, unknown>>;
    };
    return {
      default: js.default,
      policies: Object.fromEntries(
        Object.entries(js.policies ?? {}).map(([name, p]) => [
          name,
          Object.fromEntries(
            POLICY_FIELDS.map((f) => {
              const [a, b] = f.split('.');
              return [f, (p[a] as Record<string, unknown> | undefined)?.[b] ?? null];
            }),
          ),
        ]),
      ),
    };
  };
  const gateway = () => {
    const file = gatewayFile(ctx);
    if (!existsSync(file)) throw new HttpError(404, 'no gateway configuration yet: set the subnets first');
    return { file, ...loadGatewayConfig(file) };
  };
  return [
    route({
      method: 'GET',
      path: '/api/tls/policy',
      summary: 'The TLS policy set in force: its editable fields, its text and its stored versions',
      access: 'read',
      handler: () => {
        const text = currentText();
        return {
          text,
          fields: policyFields(text),
          editable: POLICY_FIELDS,
          versions: ctx.view.policyVersions(),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/tls/policy/validate',
      summary: 'Check edited policy fields; every problem names its field',
      access: 'read',
      body: policyChange,
      handler: ({ body }) => {
        const r = apply(body.edits);
        return { ok: r.problems.length === 0, problems: r.problems };
      },
    }),
    route({
      method: 'PUT',
      path: '/api/tls/policy',
      summary:
        'Save edited policy fields as a new policy version (refused with per-field problems if invalid)',
      access: 'admin',
      body: policyChange,
      handler: ({ body, session }) => {
        const r = apply(body.edits);
        if (r.problems.length > 0) throw new HttpError(400, 'invalid policy', r.problems);
        const version = versions().add(r.text, `console ${session!.user}`);
        cdb.audit(session!.user, 'save-tls-policy', `version ${version}`, body.edits);
        return { version };
      },
    }),
    route({
      method: 'POST',
      path: '/api/tls/whatif',
      summary:
        'Score a handshake under the policy as edited (nothing saved): the full breakdown per dimension',
      access: 'read',
      body: z.strictObject({ edits: edits.default({}), handshake: handshakeSchema }),
      handler: ({ body }) => {
        const r = apply(body.edits);
        if (r.problems.length > 0) throw new HttpError(400, 'invalid policy', r.problems);
        const pf = validatePolicyFile(parseDocument(r.text).toJS(), 'console');
        try {
          const mon = new TlsMonitor(pf, { history: new MemoryHeatHistory() });
          return scoreEve(mon.evaluate(featuresFromInput(body.handshake), true));
        } catch (e) {
          if (e instanceof HandshakeInputError) throw new HttpError(400, e.message);
          throw e;
        }
      },
    }),
    route({
      method: 'GET',
      path: '/api/nat',
      summary: 'NAT and port mappings with their priority (user > normal > low/honeypot)',
      access: 'read',
      handler: async () => {
        const g = gateway();
        // Inside the gateway the live NAT bindings are read from conntrack; standalone there is no kernel to ask.
        const live = ctx.gatewayConfig ? await listConntrack().catch(() => undefined) : undefined;
        return {
          mappings: portMappings(g.plan, live ?? []),
          forwards: g.config.portForwards,
          conntrack: live ? `${live.length} live connections read` : 'not read by the console',
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/nat/forwards',
      summary: 'Add a user port-forward (highest priority); the gateway configuration must still validate',
      access: 'admin',
      body: z.strictObject({
        protocol: z.enum(['tcp', 'udp']),
        port: z.number().int().min(1).max(65535),
        to: z.string().min(7).max(15),
        toPort: z.number().int().min(1).max(65535).optional(),
      }),
      handler: async ({ body, session }) => {
        const g = gateway();
        const next = { ...g.config, portForwards: [...g.config.portForwards, body] };
        const text = yamlStringify(next);
        try {
          parseGatewayConfig(text, g.file);
        } catch (e) {
          if (e instanceof GatewayConfigError)
            throw new HttpError(
              400,
              'the gateway refuses this forward',
              e.issues.map((i) => ({ path: i.path, message: i.message })),
            );
          throw e;
        }
        await replaceGatewayConfig(ctx, text);
        cdb.audit(session!.user, 'add-port-forward', `${body.protocol}/${body.port}`, body);
        return { forwards: next.portForwards };
      },
    }),
    route({
      method: 'GET',
      path: '/api/isolation',
      summary: 'Self-isolation state (A-66) and the backup port that stays open',
      access: 'read',
      handler: () => {
        const file = gatewayFile(ctx);
        const backup = existsSync(file) ? (loadGatewayConfig(file).config.backup ?? null) : null;
        return {
          ...readIsolation(gatewayStateDir(ctx)),
          backup,
          threshold: existsSync(file)
            ? (loadGatewayConfig(file).config.selfIsolation?.threshold ?? null)
            : null,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/channels',
      summary: 'Where alerts are delivered besides the console',
      access: 'read',
      handler: () => ({
        channels: cdb.setting('channels') ?? { webhooks: [] },
        delivered: ctx.live.delivered,
        failed: ctx.live.failed,
      }),
    }),
    route({
      method: 'PUT',
      path: '/api/channels',
      summary: 'Set the notification channels (webhook URLs, syslog)',
      access: 'admin',
      body: z.strictObject({
        webhooks: z.array(z.url({ protocol: /^https?$/ })).max(10),
        syslog: z
          .strictObject({
            host: z.string().min(1).max(253),
            port: z.number().int().min(1).max(65535),
            transport: z.enum(['udp', 'tcp']),
          })
          .optional(),
      }),
      handler: ({ body, session }) => {
        cdb.setSetting('channels', body);
        cdb.audit(session!.user, 'set-channels', 'notifications', body);
        return body;
      },
    }),
    route({
      method: 'GET',
      path: '/api/users',
      summary: 'Console accounts',
      access: 'admin',
      handler: () => ({ users: ctx.accounts.list() }),
    }),
    route({
      method: 'POST',
      path: '/api/users',
      summary: 'Add an account (admin or read-only)',
      access: 'admin',
      body: z.strictObject({
        user: z
          .string()
          .regex(/^[a-z][a-z0-9_.-]{1,31}$/, 'a lower-case name of 2–32 letters, digits, _ . -'),
        password: z.string().min(PASSWORD_MIN).max(200),
        role: z.enum(['admin', 'read-only']),
      }),
      handler: ({ body, session }) => {
        if (ctx.accounts.list().some((u) => u.name === body.user))
          throw new HttpError(409, `${body.user} exists`);
        ctx.accounts.create(body.user, body.password, body.role);
        cdb.audit(session!.user, 'create-user', body.user, { role: body.role });
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      path: '/api/audit',
      summary: 'The audit log of changes, newest first',
      access: 'admin',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      handler: ({ query }) => ({ entries: cdb.auditLog(query.limit) }),
    }),
  ];
}
