/**
 * Device-side programs for the namespace test, written to its temporary directory: a raw mDNS/DNS-SD responder
 * (python3; it announces like avahi does — unsolicited responses with PTR, SRV, TXT and A records, repeated — and
 * answers queries for its service type), an SSDP device (NOTIFY every second, the description over HTTP), a UDP
 * echo and a UDP sender that counts its echoes, and the webhook receiver.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MDNS = String.raw`
import socket, struct, sys, time, json
o = json.loads(sys.argv[1])
def name(n):
    out = b''
    for l in n.split('.'):
        out += bytes([len(l)]) + l.encode()
    return out + b'\0'
def rr(owner, t, rdata, cls=0x8001, ttl=120):
    return owner + struct.pack('>HHIH', t, cls, ttl, len(rdata)) + rdata
svc = name(o['service'] + '.local')
inst = name(o['instance'] + '.' + o['service'] + '.local')
host = name(o['host'] + '.local')
txt = b''.join(bytes([len(t)]) + t.encode() for t in o.get('txt', ['v=1']))
records = [
    rr(svc, 12, inst, 1),
    rr(inst, 33, struct.pack('>HHH', 0, 0, o.get('port', 80)) + host),
    rr(inst, 16, txt),
    rr(host, 1, socket.inet_aton(o['ip'])),
    rr(name('_services._dns-sd._udp.local'), 12, svc, 1),
]
msg = struct.pack('>HHHHHH', 0, 0x8400, 0, len(records), 0, 0) + b''.join(records)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(o['ip']))
s.bind(('', 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton('224.0.0.251') + socket.inet_aton(o['ip']))
s.settimeout(1.0)
print('announcing', flush=True)
while True:
    s.sendto(msg, ('224.0.0.251', 5353))
    try:
        data, peer = s.recvfrom(9000)
        if len(data) > 12 and o['service'].encode() in data and (struct.unpack('>H', data[2:4])[0] & 0x8000) == 0:
            s.sendto(msg, ('224.0.0.251', 5353))
    except socket.timeout:
        pass
`;

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
  mdns: string;
  ssdp: string;
  udpEcho: string;
  udpSend: string;
  webhook: string;
  storm: string;
}

export function writeResponders(dir: string): Responders {
  const r = {
    mdns: join(dir, 'mdns_responder.py'),
    ssdp: join(dir, 'ssdp_device.py'),
    udpEcho: join(dir, 'udpecho.cjs'),
    udpSend: join(dir, 'udpsend.cjs'),
    webhook: join(dir, 'webhook.cjs'),
    storm: join(dir, 'storm.cjs'),
  };
  writeFileSync(r.storm, CONNECT_STORM);
  writeFileSync(r.mdns, MDNS);
  writeFileSync(r.ssdp, SSDP);
  writeFileSync(r.udpEcho, UDP_ECHO);
  writeFileSync(r.udpSend, UDP_SEND);
  writeFileSync(r.webhook, WEBHOOK);
  return r;
}
