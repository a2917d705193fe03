/**
 * Device-side programs for the namespace test, written to its temporary directory: avahi-daemon per device (mDNS /
 * DNS-SD), an SSDP device (NOTIFY every second, the description over HTTP), a UDP echo and a UDP sender that counts
 * its echoes, and the webhook receiver.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SSDP = String.raw`
import socket, sys, json, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer
o = json.loads(sys.argv[1])
desc = ('<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>2</major>'
        '<minor>0</minor></specVersion><device><deviceType>%s</deviceType><friendlyName>%s</friendlyName>'
        '<manufacturer>%s</manufacturer><modelName>%s</modelName></device></root>'
        % (o['deviceType'], o['name'], o['manufacturer'], o['model'])).encode()
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        with open(o['log'], 'a') as f:
            f.write('GET %s from %s\n' % (self.path, self.client_address[0]))
        self.send_response(200)
        self.send_header('Content-Type', 'text/xml')
        self.send_header('Content-Length', str(len(desc)))
        self.end_headers()
        self.wfile.write(desc)
    def log_message(self, *a):
        pass
srv = HTTPServer((o['ip'], o['port']), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
location = o.get('location') or 'http://%s:%d/desc.xml' % (o['ip'], o['port'])
msg = ('NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: %s\r\n'
       'NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/6 UPnP/2.0 moat-test/1\r\nUSN: uuid:%s::upnp:rootdevice\r\n\r\n'
       % (location, o['name'])).encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(o['ip']))
s.bind((o['ip'], 1900))
print('notifying', flush=True)
while True:
    s.sendto(msg, ('239.255.255.250', 1900))
    time.sleep(1)
`;

const UDP_ECHO = String.raw`
const u = require('dgram').createSocket('udp4');
u.on('message', (m, r) => u.send(m, r.port, r.address));
u.bind(Number(process.argv[2]), () => console.log('listening'));
`;

/** Sends count datagrams in bursts (paced so that no socket buffer overflows) and reports the echoes. */
const UDP_SEND = String.raw`
const o = JSON.parse(process.argv[2]);
const u = require('dgram').createSocket('udp4');
let got = 0, sent = 0;
u.on('message', () => got++);
const b = Buffer.alloc(32, 0x61);
u.bind(o.localPort || 0, () => {
  const burst = () => {
    for (let i = 0; i < 50 && sent < o.count; i++, sent++) u.send(b, o.port, o.host);
    if (sent < o.count) setTimeout(burst, 2);
    else setTimeout(() => { console.log(JSON.stringify({ sent, got })); u.close(); }, 1000);
  };
  burst();
});
`;

/** Password guessing as it looks on the wire: many short connection attempts to one login service. */
const CONNECT_STORM = String.raw`
const o = JSON.parse(process.argv[2]);
const net = require('net');
let started = 0, done = 0;
const next = () => {
  if (started >= o.count) return;
  started++;
  const s = net.connect({ host: o.host, port: o.port });
  const end = () => { s.destroy(); if (++done === o.count) console.log('done ' + done); else next(); };
  s.setTimeout(o.timeoutMs, end);
  s.on('error', end);
  s.on('connect', () => { s.write('root\r\nadmin\r\n'); setTimeout(end, 50); });
};
for (let i = 0; i < o.parallel; i++) next();
`;

const WEBHOOK = String.raw`
require('http').createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => { console.log('ALERT ' + body.replace(/\n/g, ' ')); res.writeHead(204); res.end(); });
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
`;

export interface Responders {
  ssdp: string;
  udpEcho: string;
  udpSend: string;
  webhook: string;
  storm: string;
}

export function writeResponders(dir: string): Responders {
  const r = {
    ssdp: join(dir, 'ssdp_device.py'),
    udpEcho: join(dir, 'udpecho.cjs'),
    udpSend: join(dir, 'udpsend.cjs'),
    webhook: join(dir, 'webhook.cjs'),
    storm: join(dir, 'storm.cjs'),
  };
  writeFileSync(r.storm, CONNECT_STORM);
  writeFileSync(r.ssdp, SSDP);
  writeFileSync(r.udpEcho, UDP_ECHO);
  writeFileSync(r.udpSend, UDP_SEND);
  writeFileSync(r.webhook, WEBHOOK);
  return r;
}

export interface AvahiService {
  /** The device's mDNS host name (without .local). */
  host: string;
  /** DNS-SD service type, e.g. `_rtsp._tcp`. */
  service: string;
  /** Instance name. */
  name: string;
  port: number;
}

/**
 * The real avahi-daemon for one device namespace: no D-Bus (`enable-dbus=no`), its static service file, and its
 * runtime directory on a tmpfs of its own. `ip netns exec` gives each command a private mount namespace, so the
 * tmpfs on /run/avahi-daemon and the bind mount on /etc/avahi/services are seen by this daemon only — each device's
 * avahi has its own PID file and socket. No reflector: the daemons answer each other's queries only as mDNS asks.
 * Returns the command and arguments to run inside the namespace.
 */
export function avahiCommand(dir: string, s: AvahiService): [string, string[]] {
  const d = join(dir, `avahi-${s.host}`);
  mkdirSync(join(d, 'services'), { recursive: true });
  writeFileSync(
    join(d, 'avahi-daemon.conf'),
    `[server]
host-name=${s.host}
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=no
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
enable-reflector=no
`,
  );
  writeFileSync(
    join(d, 'services', 'device.service'),
    `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>${s.name}</name>
  <service><type>${s.service}</type><port>${s.port}</port></service>
</service-group>
`,
  );
  const script =
    `mkdir -p /run/avahi-daemon && mount -t tmpfs none /run/avahi-daemon && ` +
    `mount --bind ${d}/services /etc/avahi/services && ` +
    `exec avahi-daemon -f ${d}/avahi-daemon.conf --no-drop-root --no-chroot --no-rlimits`;
  return ['sh', ['-c', script]];
}
