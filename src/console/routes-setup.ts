/** First deployment (A-10…A-14): admin account, subnets, devices one authorisation at a time, check, vendor content. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parse as yamlParse, stringify as yamlStringify } from 'yaml';
import {
  GatewayConfigError,
  GatewayConfigSchema,
  loadGatewayConfig,
  parseGatewayConfig,
} from '../gateway/index.js';
import type { ConsoleContext } from './context.js';
import { HttpError, iotStep, route, type RouteDef } from './route-table.js';
import { fetchVendorContent } from './vendor.js';
import { securityCheck } from './security-check.js';
import { gatewayFile, replaceGatewayConfig } from './gateway-file.js';

export const PASSWORD_MIN = 10;
const userName = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{1,31}$/, 'a lower-case name of 2–32 letters, digits, _ . -');
const password = z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(200);
export const macParam = z.strictObject({
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a MAC address, e.g. 02:00:00:00:00:01'),
});

export function gatewayConfigFile(stateDir: string): string {
  return join(stateDir, 'gateway.yaml');
}

/**
 * The running configuration with the set-up's subnets: each zone's interface, address, router and honeypot, and
 * the backup port, replaced; everything else (DHCP ranges, zone services, inspection, devices …) kept.
 */
function withSubnets(
  running: Record<string, unknown>,
  body: { zones: Record<string, unknown>; backup?: unknown },
): Record<string, unknown> {
  const zones = { ...((running.zones ?? {}) as Record<string, Record<string, unknown>>) };
  for (const [name, z] of Object.entries(body.zones)) {
    if (!z) continue;
    const given = z as Record<string, unknown>;
    const picked = Object.fromEntries(
      ['interface', 'address', 'router', 'honeypot']
        .filter((k) => given[k] !== undefined)
        .map((k) => [k, given[k]]),
    );
    zones[name] = { ...(zones[name] ?? {}), ...picked };
  }
  return {
    ...running,
    zones,
    ...(body.backup ? { backup: { ...(running.backup ?? {}), ...body.backup } } : {}),
  };
}

export function setupRoutes(ctx: ConsoleContext): RouteDef[] {
  const { cdb, accounts, view } = ctx;
  const status = () => {
    const settings = cdb.deviceSettings();
    const devices = view.devices();
    return {
      admin: accounts.count() > 0,
      network: cdb.setting<unknown>('network') !== undefined,
      devices: {
        found: devices.length,
        decided: devices.filter(
          (d) => settings.has(d.mac) && cdb.setting<boolean>(`decided:${d.mac}`) === true,
        ).length,
      },
      check: cdb.setting<unknown>('securityCheck') ?? null,
      vendor: cdb.setting<unknown>('vendor') ?? null,
      finished: cdb.setting<boolean>('setupFinished') === true,
    };
  };
  // Inside the gateway the subnets in force; standalone, the ones saved last.
  const currentNetwork = (): unknown => {
    if (!ctx.gatewayConfig) return cdb.setting<unknown>('network') ?? null;
    const { zones, backup } = loadGatewayConfig(ctx.gatewayConfig.file).config;
    return { zones, backup: backup ?? null };
  };
  return [
    route({
      method: 'POST',
      path: '/api/setup/admin',
      summary: 'Create the first admin account (only while there is none: first boot)',
      access: 'public',
      body: z.strictObject({ user: userName, password }),
      handler: ({ body }) => {
        if (accounts.count() > 0) throw new HttpError(409, 'the admin account exists already; log in');
        accounts.create(body.user, body.password, 'admin');
        cdb.audit(body.user, 'create-admin', body.user, { role: 'admin' });
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      path: '/api/setup',
      summary: 'First-deployment progress',
      access: 'read',
      handler: () => ({ ...status(), network: currentNetwork() }),
    }),
    route({
      method: 'PUT',
      path: '/api/setup/network',
      summary:
        "Set the WAN and the LAN/IoT/DMZ subnets: written as the gateway's configuration once it validates",
      access: 'admin',
      body: GatewayConfigSchema,
      handler: async ({ body, session }) => {
        const hook = ctx.gatewayConfig;
        const file = gatewayFile(ctx);
        // In the gateway the subnets go into its running configuration, every other section kept as it is.
        const text = hook
          ? yamlStringify(withSubnets(yamlParse(readFileSync(file, 'utf8')) as Record<string, unknown>, body))
          : yamlStringify(body);
        try {
          parseGatewayConfig(text, file);
        } catch (e) {
          if (e instanceof GatewayConfigError)
            throw new HttpError(
              400,
              'the gateway refuses this configuration',
              e.issues.map((i) => ({ path: `body.${i.path}`, message: i.message })),
            );
          throw e;
        }
        await replaceGatewayConfig(ctx, text);
        cdb.setSetting('network', body);
        cdb.audit(session!.user, 'set-network', file, body);
        return { ok: true, file, applied: hook !== undefined };
      },
    }),
    route({
      method: 'GET',
      path: '/api/setup/devices',
      summary: 'Devices found on the network, each with the decision taken on it',
      access: 'read',
      handler: () => {
        const s = cdb.deviceSettings();
        const ipKey = (ip: string) =>
          ip
            .split('.')
            .map((x) => x.padStart(3, '0'))
            .join('.');
        const sorted = [...view.devices()].sort((a, b) => (ipKey(a.ip) < ipKey(b.ip) ? -1 : 1));
        return {
          devices: sorted.map((d) => ({
            ...d,
            decided: cdb.setting<boolean>(`decided:${d.mac}`) === true,
            authorised: s.get(d.mac)?.authorised ?? false,
            kind: s.get(d.mac)?.kind ?? (d.zone === 'iot' ? 'iot' : 'user'),
            name: s.get(d.mac)?.name ?? d.hostname,
          })),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/setup/devices/:mac',
      summary: 'Register one found device: the user authorises (or declines) this configuration step (A-12)',
      access: 'admin',
      params: macParam,
      body: z.strictObject({
        authorise: z.boolean(),
        kind: z.enum(['user', 'iot']),
        name: z.string().min(1).max(64).optional(),
      }),
      handler: async ({ params, body, session }) => {
        if (!view.device(params.mac))
          throw new HttpError(404, `no device ${params.mac} was found on the network`);
        // An IoT device the IoT component serves gets its broker credentials under this authorisation.
        const iot = ctx.iot;
        let credentials: Record<string, unknown> | undefined;
        if (body.authorise && body.kind === 'iot' && iot?.describe().some((d) => d.id === params.mac))
          credentials = await iotStep(() =>
            iot.provision(
              params.mac,
              iot.grant({ deviceId: params.mac, action: 'credentials', who: session!.user, ttlSeconds: 60 })
                .id,
            ),
          );
        const s = cdb.setDevice(params.mac, {
          authorised: body.authorise,
          kind: body.kind,
          ...(body.name ? { name: body.name } : {}),
          group: body.kind === 'iot' ? 'IoT' : 'Family',
        });
        cdb.setSetting(`decided:${params.mac}`, true);
        cdb.audit(session!.user, body.authorise ? 'authorise-device' : 'decline-device', params.mac, {
          ...body,
          ...(credentials ? { credentials: 'provisioned' } : {}),
        });
        ctx.live.publish('device', s);
        return credentials ? { ...s, credentials } : s;
      },
    }),
    route({
      method: 'POST',
      path: '/api/setup/check',
      summary: 'Run the initial security check of the network and devices (A-13)',
      access: 'admin',
      handler: async ({ session }) => {
        const r = await securityCheck(ctx.store.db, ctx.iot);
        cdb.setSetting('securityCheck', r);
        cdb.audit(session!.user, 'security-check', 'network', { available: r.available });
        return r;
      },
    }),
    route({
      method: 'POST',
      path: '/api/setup/vendor',
      summary: "Fetch the vendor's rule bundle and model; A-2 verifies both before they are installed (A-14)",
      access: 'admin',
      body: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }),
      handler: async ({ body, session }) => {
        const r = await fetchVendorContent(ctx.store, ctx.bundles, body.url, ctx.vendorKeys);
        cdb.setSetting('vendor', { url: body.url, at: new Date().toISOString(), ...r });
        cdb.audit(session!.user, 'vendor-fetch', body.url, r);
        ctx.live.publish('bundle', r);
        return r;
      },
    }),
    route({
      method: 'POST',
      path: '/api/setup/finish',
      summary: 'Close the guided set-up',
      access: 'admin',
      handler: ({ session }) => {
        cdb.setSetting('setupFinished', true);
        cdb.audit(session!.user, 'finish-setup', 'console', null);
        return status();
      },
    }),
  ];
}
