/** IP reputation files (Suricata's categories and reputation formats) and the lookup the iprep keyword uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpReputation } from '../../src/detect/iprep.js';
import { InputError } from '../../src/framework/errors.js';

function rep(list: string): IpReputation {
  const r = new IpReputation();
  r.loadCategories('# id,short,long\n1,badhosts,Known bad\n2,tor,Tor exits\n', 'cat.txt');
  r.loadReputation(list, 'rep.list');
  return r;
}

test('host entries, the longest network, and a score of 0 that still counts', () => {
  const r = rep('10.0.0.0/8,1,10\n10.1.0.0/16,1,20\n10.1.2.3,2,0\n#10.9.9.9,1,99\n2001:db8::/32,1,7\n');
  assert.equal(r.score('10.1.2.3', 'tor'), 0);
  // The host has no badhosts score: the longest network around it answers.
  assert.equal(r.score('10.1.2.3', 'badhosts'), 20);
  assert.equal(r.score('10.2.0.1', 'badhosts'), 10);
  assert.equal(r.score('10.9.9.9', 'badhosts'), 10);
  assert.equal(r.score('11.0.0.1', 'badhosts'), undefined);
  assert.equal(r.score('2001:db8::1', 'badhosts'), 7);
  assert.equal(r.score('10.2.0.1', 'nosuchcategory'), undefined);
  assert.equal(r.hasCategory('tor'), true);
});

test('bad lines are refused naming the file and line', () => {
  const bad = (list: string, re: RegExp): void =>
    assert.throws(
      () => rep(list),
      (e: unknown) => e instanceof InputError && re.test(e.message),
    );
  bad('1.2.3.4,3,1\n', /rep\.list:1: category 3 is not in the categories file/);
  bad('1.2.3.4,1,1\n1.2.3.4,1,128\n', /rep\.list:2: score must be 0…127/);
  bad('1.2.3.400,1,1\n', /rep\.list:1: '1\.2\.3\.400' is not an address/);
  bad('1.2.3.4,1\n', /rep\.list:1: expected address,category,score/);
  assert.throws(() => new IpReputation().loadCategories('61,x,y\n', 'c.txt'), /c\.txt:1: .*id 1…60/);
});
