/**
 * The nftables driver for real, inside a network namespace the test creates: before a block a TCP connection
 * succeeds; after the monitor blocks the flow (or the destination) the kernel answers with a reset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { NftablesDriver, NftError } from '../../src/gateway/nftables.js';

const NS = `moat-gw-nft-${process.pid}`;
/**
 * The "remote" server gets its own address: a blocked destination's reset goes back to the client's address,
 * which must not itself be the blocked one.
 */
const SERVER = '10.99.0.1';

function canRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nftables)';
  if (spawnSync('sh', ['-c', 'command -v nft && command -v ip']).status !== 0)
    return 'nft or ip not installed';
  return undefined;
}

/** Tries a TCP connection inside the namespace; returns 'ok' or the error code. */
function connectIn(port: number, host = SERVER): string {
  const js = `const s=require('net').connect({port:${port},host:'${host}',localAddress:'127.0.0.1'},()=>{console.log('ok');s.destroy()});s.on('error',e=>console.log(e.code));s.setTimeout(3000,()=>{console.log('TIMEOUT');s.destroy()})`;
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.stdout.trim();
}

test('blocking a flow and a destination in nftables resets new connections', async (t) => {
  const why = canRun();
  if (why) {
    t.skip(why);
    return;
  }
  let server: ChildProcess | undefined;
  spawnSync('ip', ['netns', 'del', NS]);
  assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
  try {
    assert.equal(spawnSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']).status, 0);
    assert.equal(spawnSync('ip', ['-n', NS, 'addr', 'add', `${SERVER}/32`, 'dev', 'lo']).status, 0);
    server = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        '-e',
        `require('net').createServer(s=>s.end()).listen(8443,'0.0.0.0',()=>console.log('listening'))`,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => server?.stdout?.once('data', () => resolve()));
    const nft = new NftablesDriver({ netns: NS, table: 'moat_test', hookOutput: true });
    await nft.install();
    assert.equal(connectIn(8443), 'ok');

    await nft.blockFlow('127.0.0.1', SERVER, 8443, 60);
    assert.equal((await nft.list('block_flow4')).length, 1);
    assert.equal(connectIn(8443), 'ECONNREFUSED');

    // Reinstalling clears the sets; a destination block then covers every port of that address.
    await nft.install();
    assert.equal(connectIn(8443), 'ok');
    await nft.blockDestination(SERVER, 60);
    assert.match((await nft.list('block_dst4'))[0], /10\.99\.0\.1/);
    assert.equal(connectIn(8443), 'ECONNREFUSED');

    await assert.rejects(nft.blockDestination('not-an-ip', 60), NftError);
    await assert.rejects(nft.blockFlow('127.0.0.1', '::1', 443, 60), /mixes IPv4 and IPv6/);
    await nft.uninstall();
    assert.equal(connectIn(8443), 'ok');
  } finally {
    server?.kill('SIGTERM');
    spawnSync('ip', ['netns', 'del', NS]);
  }
});
