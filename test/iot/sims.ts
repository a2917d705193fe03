/**
 * The simulated devices the IoT tests run as real processes: an MQTT plug (mqtt.js) that switches when told and
 * publishes its state, a rogue MQTT client that tries another device's topics, a CoAP lamp (coap), a Telnet login
 * with admin/admin (python3, as a BusyBox telnetd answers), and a UPnP Internet Gateway Device (SSDP responder and
 * description server, python3). Written to the test's temporary directory.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

const PLUG = String.raw`
const mqtt = require(process.env.MQTT_MODULE);
const o = JSON.parse(process.argv[2]);
let power = 'off';
const out = (e) => console.log(JSON.stringify(e));
const c = mqtt.connect(o.url, { username: o.username, password: o.password, clientId: o.clientId, reconnectPeriod: 0 });
c.on('connect', () => {
  c.subscribe(o.prefix + '/cmd/#', { qos: 1 }, (err, granted) => {
    c.publish(o.prefix + '/state/power', power, { qos: 1 }, () => out({ event: 'ready', granted }));
  });
});
c.on('message', (topic, payload) => {
  const value = String(payload);
  out({ event: 'cmd', topic, value });
  if (topic === o.prefix + '/cmd/power' && (value === 'on' || value === 'off')) {
    power = value;
    c.publish(o.prefix + '/state/power', power, { qos: 1 }, () => out({ event: 'state', power }));
  }
});
c.on('error', (e) => { out({ event: 'error', message: e.message, code: e.code }); process.exit(3); });
`;

/** Logs in, tries the victim's topics, reports what the broker did. */
const ROGUE = String.raw`
const mqtt = require(process.env.MQTT_MODULE);
const o = JSON.parse(process.argv[2]);
const out = (e) => console.log(JSON.stringify(e));
const c = mqtt.connect(o.url, { username: o.username, password: o.password, clientId: o.clientId, reconnectPeriod: 0 });
c.on('connect', () => {
  c.subscribe(o.victimPrefix + '/#', { qos: 1 }, (err, granted) => {
    out({ event: 'subscribed', granted, error: err && err.message, code: err && err.code });
    c.publish(o.victimPrefix + '/cmd/power', 'on', { qos: 0 }, () => {
      out({ event: 'published' });
      setTimeout(() => { c.end(true); out({ event: 'done' }); }, 500);
    });
  });
});
c.on('close', () => out({ event: 'closed' }));
c.on('error', (e) => { out({ event: 'error', message: e.message, code: e.code }); });
`;

const COAP_LAMP = String.raw`
const coap = require(process.env.COAP_MODULE);
const o = JSON.parse(process.argv[2]);
const state = { power: 'off', brightness: 50 };
const out = (e) => console.log(JSON.stringify(e));
const server = coap.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/.well-known/core' && req.method === 'GET') {
    res.setOption('Content-Format', 'application/link-format');
    return res.end('</status>;rt="lamp",</power>,</brightness>');
  }
  if (path === '/status' && req.method === 'GET') return res.end(JSON.stringify(state));
  const key = path.slice(1);
  if (key in state && req.method === 'PUT') {
    const v = String(req.payload);
    if (key === 'power' && v !== 'on' && v !== 'off') { res.code = '4.00'; return res.end('on or off'); }
    state[key] = key === 'brightness' ? Number(v) : v;
    out({ event: 'set', key, value: state[key] });
    res.code = '2.04';
    return res.end();
  }
  res.code = '4.04';
  res.end();
});
server.listen(o.port, o.host, () => out({ event: 'ready', port: server._sock.address().port }));
`;

/** A BusyBox-like telnetd: IAC negotiation, login/Password prompts, 3 tries per connection. */
const TELNETD = String.raw`
import socket, sys, threading
user, password, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
IAC, WILL, DO = 255, 251, 253
def readline(c):
    buf = b''
    while True:
        d = c.recv(1)
        if not d: return None
        if d[0] == IAC:
            c.recv(2); continue
        if d in (b'\n',):
            return buf.replace(b'\r', b'').replace(b'\x00', b'').decode('latin1')
        buf += d
def serve(c):
    try:
        c.sendall(bytes([IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 31]))
        c.sendall(b'\r\nMoatCam login: ')
        for _ in range(3):
            u = readline(c)
            if u is None: return
            c.sendall(b'Password: ')
            p = readline(c)
            if p is None: return
            if u == user and p == password:
                c.sendall(b'\r\n\r\nBusyBox v1.19.4 (2016-01-10) built-in shell (ash)\r\n# ')
                print('login ' + u, flush=True)
                readline(c)
                return
            c.sendall(b'\r\nLogin incorrect\r\nMoatCam login: ')
    finally:
        c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port)); s.listen(16)
print('listening', flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/** An Internet Gateway Device: answers SSDP M-SEARCH on udp/1900, serves its description on tcp/5000. */
const IGD = String.raw`
import socket, sys, threading, http.server
addr = sys.argv[1]
# Where LOCATION points (default: this device); a device may name another host's URL.
location = sys.argv[2] if len(sys.argv) > 2 else 'http://%s:5000/rootDesc.xml' % addr
serve_http = len(sys.argv) <= 2
DESC = '''<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>MoatCam router</friendlyName>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>
<eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>'''
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print('GET ' + self.path + ' from ' + self.client_address[0], flush=True)
        body = DESC.encode() if self.path == '/rootDesc.xml' else b'not found'
        self.send_response(200 if self.path == '/rootDesc.xml' else 404)
        self.send_header('Content-Type', 'text/xml'); self.send_header('Content-Length', str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
if serve_http:
    httpd = http.server.ThreadingHTTPServer(('0.0.0.0', 5000), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('0.0.0.0', 1900))
print('listening', flush=True)
while True:
    m, peer = u.recvfrom(2048)
    t = m.decode('latin1')
    if not t.startswith('M-SEARCH'): continue
    print('m-search from ' + peer[0], flush=True)
    st = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1'
    u.sendto(('HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: %s\r\nUSN: uuid:moat-igd::%s\r\nEXT:\r\n'
              'SERVER: Linux/3.4 UPnP/1.0 MiniUPnPd/1.9\r\nLOCATION: %s\r\n\r\n' % (st, st, location)).encode(), peer)
`;

export interface Sims {
  plug: string;
  rogue: string;
  coapLamp: string;
  telnetd: string;
  igd: string;
  /** Environment the node sims need (where mqtt and coap live). */
  env: NodeJS.ProcessEnv;
}

export function writeSims(dir: string): Sims {
  const files = {
    plug: ['plug.cjs', PLUG],
    rogue: ['rogue.cjs', ROGUE],
    coapLamp: ['coap-lamp.cjs', COAP_LAMP],
    telnetd: ['telnetd.py', TELNETD],
    igd: ['igd.py', IGD],
  } as const;
  const out: Record<string, string> = {};
  for (const [k, [name, text]] of Object.entries(files)) {
    out[k] = join(dir, name);
    writeFileSync(out[k], text);
  }
  return {
    ...(out as Omit<Sims, 'env'>),
    env: { ...process.env, MQTT_MODULE: require.resolve('mqtt'), COAP_MODULE: require.resolve('coap') },
  };
}

/** Lines of JSON a sim printed, parsed as they arrive. */
export class SimOutput {
  readonly events: Array<Record<string, unknown>> = [];
  private waiters: Array<{
    pred: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }> = [];
  private buf = '';

  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          e = { event: 'text', line };
        }
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
      }
    });
  }

  /** The first event (seen or to come) that matches. */
  wait(pred: (e: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timed out; events so far: ${JSON.stringify(this.events)}`)),
        ms,
      );
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }
}
