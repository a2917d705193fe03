/**
 * The template set both NetFlow v9 (set id 0) and IPFIX (set id 2) send: per template its id, field count and
 * (type, length) pairs — the two formats share this layout (RFC 3954 §5.2, RFC 7011 §3.4.1).
 */
export type FieldList = ReadonlyArray<readonly [number, number]>;

export function templateSet(setId: number, templates: ReadonlyArray<readonly [number, FieldList]>): Buffer {
  const body: number[] = [];
  for (const [id, fields] of templates) {
    body.push(id, fields.length);
    for (const [t, l] of fields) body.push(t, l);
  }
  const b = Buffer.alloc(4 + body.length * 2);
  b.writeUInt16BE(setId, 0);
  b.writeUInt16BE(b.length, 2);
  body.forEach((v, i) => b.writeUInt16BE(v, 4 + i * 2));
  return b;
}
