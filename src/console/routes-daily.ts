/** The daily view: dashboard, devices and groups, alerts with explanations, honeypot, bundles and models. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelRegistry } from '../identify/index.js';
import type { ConsoleContext } from './context.js';
import { explainAlert } from './explain.js';
import { HttpError, route, type RouteDef } from './route-table.js';
import { macParam } from './routes-setup.js';

/**
 * How long an operator's block lasts unless lifted: a year. The kernel's set timeouts stop somewhere below 10^8 s
 * (nft: "value too large"), and one refused element keeps the gateway's whole verdict table from loading.
 */
const OPERATOR_LIFETIME_US = 365 * 86_400 * 1e6;

/**
 * A restriction is a device-level blocking entry of the security event cache (every peer, port and protocol), made
 * by the operator; lifting it deletes the entry. The gateway's enforcement and the event cache take it from the bus.
 */
function announceRestriction(
  ctx: ConsoleContext,
  ip: string,
  mac: string | undefined,
  restricted: boolean,
): void {
  if (!ctx.bus) return;
  const nowUs = Date.now() * 1000;
  ctx.bus.publish('cache-entry', {
    change: restricted ? 'put' : 'del',
    entry: {
      srcIp: ip,
      dstIp: '*',
      srcPort: 0,
      dstPort: 0,
      proto: 0,
      createdUs: nowUs,
      lastHitUs: nowUs,
      maxLifetimeUs: OPERATOR_LIFETIME_US,
      direction: 'both',
      scope: 'any',
      operationType: 'block',
      operation: 'drop',
      eventId: mac ? `console:restrict:${mac}` : `console:block:${ip}`,
      diagnosis: 'operator',
      status: 'valid',
      hits: 0,
    },
  });
  if (mac)
    ctx.bus.publish('device', {
      ip,
      mac,
      state: restricted ? 'isolated' : 'online',
      at: new Date().toISOString(),
    });
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const zoneOfDevice = (zone: string | null): string => zone ?? 'lan';

export function dailyRoutes(
  ctx: ConsoleContext,
  rules: Parameters<typeof explainAlert>[1],
  reportDir?: string,
): RouteDef[] {
  const { cdb, view } = ctx;
  return [
    route({
      method: 'GET',
      path: '/api/dashboard',
      summary: 'Traffic per zone over time, alerts over time, top talkers, blocked counts',
      access: 'read',
      handler: () => ({
        traffic: cdb.trafficSeries(120),
        alerts: cdb.alertSeries(60_000, 120),
        topTalkers: cdb.topTalkers(10),
        blocked: { alerts: cdb.blockedAlerts(), cacheEntries: view.blockingEntries() },
        totals: {
          alerts: cdb.alertCount(),
          devices: view.devices().length,
          honeypotSessions: view.honeypotSessions(1000).length,
        },
      }),
    }),
    route({
      method: 'GET',
      path: '/api/devices',
      summary: 'Devices with their names, groups and restriction',
      access: 'read',
      handler: () => {
        const s = cdb.deviceSettings();
        const iot = new Map((ctx.iot?.describe() ?? []).map((d) => [d.id, d]));
        return {
          registry: ctx.directory !== undefined,
          deviceGroups: ctx.directory?.groups() ?? [],
          devices: view.devices().map((d) => {
            const m = s.get(d.mac);
            const io = iot.get(d.mac);
            return {
              ...d,
              zone: zoneOfDevice(d.zone),
              name: m?.name ?? d.hostname ?? d.mac,
              group: m?.group ?? 'unassigned',
              // The registry's restriction is what the kernel enforces; without a registry, the console's own.
              restricted: d.registry ? d.registry.restriction !== null : (m?.restricted ?? false),
              kind: m?.kind ?? (d.zone === 'iot' || io ? 'iot' : 'user'),
              iot: io
                ? {
                    protocols: io.protocols,
                    connected: io.mqtt.connected,
                    power: (io.state as { values?: { power?: unknown } } | undefined)?.values?.power ?? null,
                  }
                : null,
            };
          }),
        };
      },
    }),
    route({
      method: 'PUT',
      path: '/api/devices/:mac',
      summary: 'Rename a device or move it to another group',
      access: 'admin',
      params: macParam,
      body: z.strictObject({
        name: z.string().min(1).max(64).optional(),
        group: z
          .string()
          .min(1)
          .max(40)
          .regex(/^[\w .-]+$/, 'letters, digits, space, _ . -')
          .optional(),
        /** The registry's device group; null = a user device, not grouped. */
        deviceGroup: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a group name of the device types, e.g. remote-control')
          .nullable()
          .optional(),
      }),
      handler: ({ params, body, session }) => {
        if (!view.device(params.mac)) throw new HttpError(404, `no device ${params.mac}`);
        const { deviceGroup, ...own } = body;
        if (deviceGroup !== undefined) {
          if (!ctx.directory) throw new HttpError(409, 'no device registry runs with this console');
          try {
            ctx.directory.setGroup(params.mac, deviceGroup);
          } catch (e) {
            throw new HttpError(400, (e as Error).message, [
              { path: 'body.deviceGroup', message: (e as Error).message },
            ]);
          }
        }
        const s = cdb.setDevice(params.mac, own);
        cdb.audit(session!.user, 'edit-device', params.mac, body);
        ctx.live.publish('device', s);
        return s;
      },
    }),
    route({
      method: 'POST',
      path: '/api/devices/:mac/restriction',
      summary: 'Restrict a device (its traffic is dropped by the gateway) or lift the restriction',
      access: 'admin',
      params: macParam,
      body: z.strictObject({
        restricted: z.boolean(),
        /** With the device registry: how far; default quarantined. */
        level: z.enum(['rate-limited', 'internet-only', 'quarantined']).optional(),
      }),
      handler: ({ params, body, session }) => {
        if (!view.device(params.mac)) throw new HttpError(404, `no device ${params.mac}`);
        const device = view.device(params.mac)!;
        const s = cdb.setDevice(params.mac, { restricted: body.restricted });
        // With the registry the restriction is its (and so the kernel's sets); otherwise a blocking entry on the bus.
        if (ctx.directory) {
          if (body.restricted)
            ctx.directory.restrict(
              params.mac,
              body.level ?? 'quarantined',
              `restricted in the console by ${session!.user}`,
              'user',
            );
          else ctx.directory.unrestrict(params.mac);
        } else announceRestriction(ctx, device.ip, params.mac, body.restricted);
        cdb.audit(session!.user, body.restricted ? 'restrict-device' : 'unrestrict-device', params.mac, body);
        ctx.live.publish('device', s);
        return s;
      },
    }),
    route({
      method: 'POST',
      path: '/api/addresses/:ip/block',
      summary:
        'Block an address outside the network (every packet from and to it dropped by the gateway), or lift the block',
      access: 'admin',
      params: z.strictObject({ ip: z.string().regex(IPV4, 'an IPv4 address, e.g. 203.0.113.7') }),
      body: z.strictObject({ blocked: z.boolean() }),
      handler: ({ params, body, session }) => {
        if (!ctx.bus) throw new HttpError(503, 'no gateway bus: blocks are enforced by moat gateway');
        if (view.devices().some((d) => d.ip === params.ip))
          throw new HttpError(409, `${params.ip} is a device of this network: restrict the device instead`);
        announceRestriction(ctx, params.ip, undefined, body.blocked);
        cdb.setSetting(`blocked:${params.ip}`, body.blocked);
        cdb.audit(session!.user, body.blocked ? 'block-address' : 'unblock-address', params.ip, body);
        return { ip: params.ip, blocked: body.blocked };
      },
    }),
    route({
      method: 'GET',
      path: '/api/alerts',
      summary: 'Alerts, newest first, a page at a time',
      access: 'read',
      query: z.strictObject({
        before: z.coerce.number().int().min(1).optional(),
        src: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      handler: ({ query }) => ({ alerts: cdb.alerts(query), total: cdb.alertCount() }),
    }),
    route({
      method: 'GET',
      path: '/api/alerts/:id',
      summary:
        'An alert with its explanation: rule text, TLS score per dimension, model rules, log-review figures',
      access: 'read',
      params: z.strictObject({ id: z.coerce.number().int().min(1) }),
      handler: ({ params }) => {
        const ev = cdb.alertEve(params.id);
        if (!ev) throw new HttpError(404, `no alert ${params.id}`);
        // The network's own devices in the alert, so the user can restrict the one it concerns from here.
        const settings = cdb.deviceSettings();
        const devices = (['src_ip', 'dest_ip'] as const).flatMap((k) => {
          const ip = ev[k];
          const d = typeof ip === 'string' ? view.devices().find((x) => x.ip === ip) : undefined;
          if (!d) return [];
          const m = settings.get(d.mac);
          return [
            {
              role: k === 'src_ip' ? 'source' : 'destination',
              mac: d.mac,
              ip: d.ip,
              name: m?.name ?? d.hostname ?? d.mac,
              restricted: d.registry ? d.registry.restriction !== null : (m?.restricted ?? false),
              level: d.registry?.restriction?.level ?? null,
            },
          ];
        });
        // Addresses that are no device of this network (the scanner on the WAN): blocked by a verdict on the bus.
        const addresses = (['src_ip', 'dest_ip'] as const).flatMap((k) => {
          const ip = ev[k];
          if (typeof ip !== 'string' || !IPV4.test(ip) || devices.some((d) => d.ip === ip)) return [];
          return [
            {
              role: k === 'src_ip' ? 'source' : 'destination',
              ip,
              blocked: cdb.setting<boolean>(`blocked:${ip}`) === true,
              canBlock: ctx.bus !== undefined,
            },
          ];
        });
        return { id: params.id, eve: ev, explanation: explainAlert(ev, rules), devices, addresses };
      },
    }),
    route({
      method: 'GET',
      path: '/api/honeypot/sessions',
      summary: 'Honeypot sessions, newest first',
      access: 'read',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      handler: ({ query }) => ({
        sessions: view.honeypotSessions(query.limit).map((s) => ({
          id: s.id,
          service: s.service,
          peerIp: s.peerIp,
          start: s.start,
          end: s.end,
          commands: s.commands.length,
          logins: s.credentials.length,
          downloads: s.downloads.length,
        })),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/honeypot/sessions/:id',
      summary:
        'One session: transcript (logins, commands with times) and downloads with their sandbox reports',
      access: 'read',
      params: z.strictObject({ id: z.string().min(1).max(128) }),
      handler: ({ params }) => {
        const s = view.honeypotSession(params.id);
        if (!s) throw new HttpError(404, `no honeypot session ${params.id}`);
        const report = (sha?: string): unknown => {
          if (!sha || !reportDir || !/^[0-9a-f]{64}$/.test(sha)) return null;
          const f = join(reportDir, `${sha}.report.json`);
          if (!existsSync(f)) return null;
          const r = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
          return {
            labels: r.labels,
            reasons: r.reasons,
            analysedAt: r.analysedAt,
            static: r.static,
            dynamicSkipped: r.dynamicSkipped,
          };
        };
        return {
          ...s,
          downloads: s.downloads.map((d) => ({ ...d, report: report(d.sha256) })),
          samples: s.samples.map((x) => ({ ...x, report: report(x.sha256) })),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/bundles',
      summary: 'Rule bundle versions (A-2 verified), the active one marked',
      access: 'read',
      handler: () => ({ bundles: view.bundles() }),
    }),
    route({
      method: 'POST',
      path: '/api/bundles/:version/activate',
      summary: 'Activate a kept bundle version (roll back or forward); it is verified again first',
      access: 'admin',
      params: z.strictObject({
        version: z.string().regex(/^\d+(\.\d+){0,3}$/, 'dotted numbers like 2026.11.1'),
      }),
      handler: ({ params, session }) => {
        let row;
        try {
          row = ctx.bundles.rollback(params.version, () => {});
        } catch (e) {
          throw new HttpError(409, e instanceof Error ? e.message : String(e));
        }
        cdb.audit(session!.user, 'activate-bundle', params.version, null);
        ctx.live.publish('bundle', { active: row.version });
        return { active: row.version };
      },
    }),
    route({
      method: 'GET',
      path: '/api/models',
      summary: 'Identification model versions, the active one marked',
      access: 'read',
      handler: () => ({ models: view.models() }),
    }),
    route({
      method: 'POST',
      path: '/api/models/:version/activate',
      summary: 'Activate a published model version',
      access: 'admin',
      params: z.strictObject({ version: z.coerce.number().int().min(1) }),
      handler: ({ params, session }) => {
        try {
          new ModelRegistry(ctx.store).activate(params.version, 'console');
        } catch (e) {
          throw new HttpError(409, e instanceof Error ? e.message : String(e));
        }
        cdb.audit(session!.user, 'activate-model', String(params.version), null);
        return { active: params.version };
      },
    }),
  ];
}
