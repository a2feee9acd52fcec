import { strict as assert } from 'node:assert';
import { SendCount, canonicalUserset, parseUserset, sendCountFor } from '../../../../app/lib/friends/userset';

const S = (sendCount: SendCount, needFollow: boolean) => ({ sendCount, needFollow });

describe('app/lib/friends/userset', () => {
  it('parses the documented shape and re-serialises it in the documented key order', () => {
    const text = '{"chatset":{"user":{"needFollow":true,"sendCount":2},"visitor":{"needFollow":false,"sendCount":0}}}';
    const parsed = parseUserset(text);
    assert.deepEqual(parsed, { chatset: { visitor: S(0, false), user: S(2, true) } });
    assert.equal(canonicalUserset(parsed!),
      '{"chatset":{"visitor":{"sendCount":0,"needFollow":false},"user":{"sendCount":2,"needFollow":true}}}');
  });

  it('takes a bare 0-2 (older clients) as {sendCount, needFollow: false}', () => {
    assert.deepEqual(parseUserset('{"chatset":{"visitor":0,"user":2}}'), { chatset: { visitor: S(0, false), user: S(2, false) } });
  });

  it('refuses anything else', () => {
    for (const bad of [
      '', '{}', '[]', 'null', '1', '"x"', '{"chatset":{}}', '{"chatset":{"visitor":1}}',
      '{"chatset":{"visitor":1,"user":3}}', '{"chatset":{"visitor":1,"user":-1}}', '{"chatset":{"visitor":1,"user":"1"}}',
      '{"chatset":{"visitor":1,"user":1.5}}', '{"chatset":{"visitor":1,"user":1,"x":1}}', '{"chatset":{"visitor":1,"user":1},"x":1}',
      '{"chatset":{"visitor":{"sendCount":1},"user":1}}', '{"chatset":{"visitor":{"sendCount":1,"needFollow":1},"user":1}}',
      '{"chatset":{"visitor":{"sendCount":1,"needFollow":false,"x":0},"user":1}}', '{"chatset":{"visitor":1,\n"user":1}}',
      '{"chatset":{"visitor":1,"user":1}', '{"chatset":[1,1]}',
    ]) assert.equal(parseUserset(bad), null, bad);
  });

  it('reads the send count for the sender\'s role, 1 when never set', () => {
    const stored = canonicalUserset({ chatset: { visitor: S(0, false), user: S(2, false) } });
    assert.equal(sendCountFor(stored, 'visitor'), 0);
    assert.equal(sendCountFor(stored, 'user'), 2);
    assert.equal(sendCountFor('', 'user'), 1);
    assert.equal(sendCountFor('', 'visitor'), 1);
  });
});
