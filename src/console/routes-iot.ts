/**
 * Controlling an IoT device from the devices page: the user's click, confirmed in the browser, is the
 * authorisation of that one step — granted in the user's name for one use and a minute, then spent by the
 * IoT component's device control, which sends nothing without it. Every step is in both audit logs.
 */
import { z } from 'zod';
import type { ConsoleContext } from './context.js';
import type { IotControl } from './ports.js';
import { HttpError, iotStep, route, type RouteDef } from './route-table.js';
import { macParam } from './routes-setup.js';

function needIot(ctx: ConsoleContext, mac: string): IotControl {
  const iot = ctx.iot;
  if (!iot) throw new HttpError(503, 'no IoT component runs with this console (moat gateway --iot)');
  if (!iot.describe().some((d) => d.id === mac))
    throw new HttpError(404, `${mac} is not an IoT device the gateway serves`);
  return iot;
}

export function iotRoutes(ctx: ConsoleContext): RouteDef[] {
  return [
    route({
      method: 'GET',
      path: '/api/devices/:mac/iot',
      summary: 'An IoT device: protocols, broker login and the state it last reported',
      access: 'read',
      params: macParam,
      handler: async ({ params }) => {
        const iot = needIot(ctx, params.mac);
        const d = iot.describe().find((x) => x.id === params.mac)!;
        const status = await iotStep(() => iot.status(params.mac)).catch(() => undefined);
        return { ...d, status };
      },
    }),
    route({
      method: 'POST',
      path: '/api/devices/:mac/power',
      summary: 'Switch an IoT device on or off: the request is the authorisation of this one step (A-12)',
      access: 'admin',
      params: macParam,
      body: z.strictObject({ power: z.enum(['on', 'off']) }),
      handler: async ({ params, body, session }) => {
        const iot = needIot(ctx, params.mac);
        const grant = iot.grant({
          deviceId: params.mac,
          action: 'power',
          value: body.power,
          who: session!.user,
          ttlSeconds: 60,
          uses: 1,
        });
        const r = await iotStep(() =>
          iot.control(params.mac, { authorisation: grant.id, action: 'power', value: body.power }),
        );
        ctx.cdb.audit(session!.user, `power-${body.power}`, params.mac, {
          via: r.via,
          confirmed: r.confirmed,
        });
        ctx.live.publish('device', { mac: params.mac, power: body.power, confirmed: r.confirmed });
        return r;
      },
    }),
  ];
}
