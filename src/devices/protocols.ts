/**
 * The protocol a connection start names, by its well-known port (IANA): what a device speaks as a client (its SYN's
 * destination port) or serves (its SYN-ACK's source port). ONVIF devices answer WS-Discovery on UDP 3702.
 */
const TCP: ReadonlyMap<number, string> = new Map([
  [1883, 'mqtt'],
  [8883, 'mqtt'],
  [554, 'rtsp'],
  [8554, 'rtsp'],
  [80, 'http'],
  [8080, 'http'],
  [443, 'https'],
  [23, 'telnet'],
  [2323, 'telnet'],
  [22, 'ssh'],
  [21, 'ftp'],
  [5222, 'xmpp'],
  [8009, 'cast'],
  [631, 'ipp'],
  [9100, 'jetdirect'],
  [1400, 'upnp'],
  [49152, 'upnp'],
  [5683, 'coap'],
]);

const UDP: ReadonlyMap<number, string> = new Map([
  [5683, 'coap'],
  [5684, 'coap'],
  [3702, 'onvif'],
  [123, 'ntp'],
]);

export function protocolOf(proto: number, port: number): string | undefined {
  return proto === 6 ? TCP.get(port) : proto === 17 ? UDP.get(port) : undefined;
}
