/**
 * The configuration client's side of the monitor (T-50…T-52): list the configuration items, read and replace the
 * policy set (validated, versioned, swapped atomically while traffic flows), roll back, and test a policy against a
 * single handshake with the full score breakdown. Every route has a schema; bad input is a 400 naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { stringify as yamlStringify } from 'yaml';
import { parsePolicyText, PolicyError, validatePolicyFile } from '../../tlsmon/index.js';
import { policySchema } from '../../tlsmon/index.js';
import { scoreEve } from '../../tlsmon/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsMonitor } from '../../tlsmon/index.js';
import { TlsMonitorInspector } from '../../tlsmon/index.js';
import { MemoryHeatHistory } from '../../tlsmon/index.js';
import { runAnalysis } from '../../pipeline/index.js';
import { CaptureFormatError } from '../../capture/index.js';
import { featuresFromInput, handshakeSchema, HandshakeInputError } from './handshake-input.js';
import type { PolicyVersions } from './policy-versions.js';

export interface TlsmonRouteContext {
  monitor: TlsMonitor;
  versions?: PolicyVersions;
  /** Statistics the live monitor adds (alerts delivered, blocks). */
  stats?: () => Record<string, unknown>;
  /** Re-reads the intel feeds (blacklists, reputation) without a restart. */
  reloadIntel?: () => { indicators: number; errors: string[] };
}

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } },
};

function zodMessage(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
}

export function registerTlsmonRoutes(app: FastifyInstance, ctx: TlsmonRouteContext): void {
  // YAML policy files are accepted as text.
  app.addContentTypeParser(
    ['application/yaml', 'text/yaml', 'text/plain'],
    { parseAs: 'string', bodyLimit: 1 << 20 },
    (_req, body, done) => done(null, body),
  );

  app.get(
    '/v1/tlsmon/config-items',
    { schema: { response: { 200: { type: 'object', additionalProperties: true } } } },
    async () => {
      // T-50: the items a client may set — weights, dimensions per group with their strategies, condition, actions.
      return { policy: z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) };
    },
  );

  app.get(
    '/v1/tlsmon/policies',
    { schema: { response: { 200: { type: 'object', additionalProperties: true } } } },
    async (req, reply) => {
      const file = ctx.monitor.policyFile;
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('yaml')) return reply.type('application/yaml').send(yamlStringify(file));
      return { version: ctx.monitor.policyVersion, file };
    },
  );

  const applyBody = async (text: string, source: string): Promise<{ version: number; stored?: number }> => {
    const pf = parsePolicyText(text, source);
    const version = ctx.monitor.setPolicyFile(pf);
    const stored = ctx.versions?.add(text, source);
    return { version, stored };
  };

  const bodyText = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

  app.put(
    '/v1/tlsmon/policies',
    {
      schema: {
        body: { anyOf: [{ type: 'string', maxLength: 1 << 20 }, { type: 'object' }] },
        response: { 400: errorBody },
      },
    },
    async (req, reply) => {
      try {
        return await applyBody(bodyText(req.body), `api ${req.ip}`);
      } catch (err) {
        if (err instanceof PolicyError)
          return reply.code(400).send({ error: 'invalid policy file', problems: err.problems });
        throw err;
      }
    },
  );

  app.post(
    '/v1/tlsmon/policies/validate',
    { schema: { body: { anyOf: [{ type: 'string', maxLength: 1 << 20 }, { type: 'object' }] } } },
    async (req) => {
      try {
        const pf =
          typeof req.body === 'string'
            ? parsePolicyText(req.body, 'body')
            : validatePolicyFile(req.body, 'body');
        return { ok: true, policies: Object.keys(pf.policies), default: pf.default };
      } catch (err) {
        if (err instanceof PolicyError) return { ok: false, problems: err.problems };
        throw err;
      }
    },
  );

  app.get('/v1/tlsmon/policies/versions', async () => ({ versions: ctx.versions?.list() ?? [] }));

  app.post(
    '/v1/tlsmon/policies/rollback',
    {
      schema: {
        body: {
          type: 'object',
          required: ['version'],
          properties: { version: { type: 'integer', minimum: 1 } },
        },
        response: { 404: errorBody },
      },
    },
    async (req, reply) => {
      const v = ctx.versions?.get((req.body as { version: number }).version);
      if (!v)
        return reply
          .code(404)
          .send({ error: `no stored policy version ${(req.body as { version: number }).version}` });
      return applyBody(v.text, `rollback to ${v.version}`);
    },
  );

  app.post(
    '/v1/tlsmon/score',
    { schema: { body: { type: 'object' }, response: { 400: errorBody } } },
    async (req, reply) => {
      const parsed = handshakeSchema.safeParse(req.body);
      if (!parsed.success)
        return reply.code(400).send({ error: 'invalid handshake', problems: zodMessage(parsed.error) });
      try {
        const f = featuresFromInput(parsed.data);
        return scoreEve(ctx.monitor.evaluate(f, true));
      } catch (err) {
        if (err instanceof HandshakeInputError) return reply.code(400).send({ error: err.message });
        throw err;
      }
    },
  );

  app.post('/v1/tlsmon/intel/reload', { schema: { response: { 404: errorBody } } }, async (_req, reply) => {
    if (!ctx.reloadIntel)
      return reply.code(404).send({ error: 'this monitor was started without intel feeds' });
    const r = ctx.reloadIntel();
    return { indicators: r.indicators, errors: r.errors.slice(0, 50) };
  });

  // What-if on a whole capture: its handshakes are scored under the current policies by a separate monitor with its
  // own empty history, so the running monitor's heat counts stay untouched.
  app.addContentTypeParser(
    ['application/vnd.tcpdump.pcap', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 64 << 20 },
    (_req, body, done) => done(null, body),
  );
  app.post(
    '/v1/tlsmon/score/capture',
    { bodyLimit: 64 << 20, schema: { response: { 400: errorBody } } },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body))
        return reply.code(400).send({ error: 'send the capture as application/vnd.tcpdump.pcap' });
      const dir = mkdtempSync(join(tmpdir(), 'moat-api-capture-'));
      const file = join(dir, 'upload.pcap');
      try {
        writeFileSync(file, req.body);
        const what = new TlsMonitor(ctx.monitor.policyFile, {
          ...ctx.monitor.services,
          history: new MemoryHeatHistory(),
        });
        const results: unknown[] = [];
        await runAnalysis(
          { file },
          {
            eveTypes: ['tls'],
            inspectors: [new TlsMonitorInspector(what)],
            onEvent: (ev) => {
              const tls = ev.tls as { sni?: string; version?: string; moat: { score: unknown } };
              results.push({
                src_ip: ev.src_ip,
                src_port: ev.src_port,
                dest_ip: ev.dest_ip,
                dest_port: ev.dest_port,
                sni: tls.sni,
                version: tls.version,
                score: tls.moat.score,
              });
            },
          },
        );
        return { handshakes: what.evaluations, risky: what.risky, results };
      } catch (err) {
        if (err instanceof CaptureFormatError)
          return reply.code(400).send({ error: err.message.replace(file, 'upload') });
        throw err;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  app.get('/v1/tlsmon/stats', async () => ({
    policyVersion: ctx.monitor.policyVersion,
    evaluations: ctx.monitor.evaluations,
    risky: ctx.monitor.risky,
    ...(ctx.stats?.() ?? {}),
  }));
}
