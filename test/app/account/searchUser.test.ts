import { strict as assert } from 'node:assert';
import {
  AUTH_FAILURES, BodyCase, SEARCH_RESULT_KEYS, assertFail, assertOk, insertUser, insertUsers, openSession, post, register, search,
  searchJson, sendBody,
} from '../../helpers';

const LIMIT_RULE = 'limit 应为 1-50 之间的整数';
const KEYWORD_LENGTH = 'keyword 长度应为 1-50 位';

/** Registers the caller through the API, then inserts `names` (ids ascending in that order). */
async function callerAnd(names: string[]) {
  const caller = await register('caller01');
  await insertUsers(names.map(username => ({ username })));
  return caller.token as string;
}

async function namesFound(token: string, body: Record<string, unknown>) {
  return assertOk(await search(token, body)).map((user: { username: string }) => user.username);
}

describe('POST /api/chat/searchUser', () => {
  it('is closed to visitors: 403, whatever the keyword', async () => {
    await insertUsers([{ username: 'findme01' }]);
    const visitor = await insertUser({ username: 'VISabcdefgh', role: 'visitor' });
    const token = await openSession(visitor);
    assertFail(await search(token, { keyword: 'findme' }), 403, '您没有权限访问，请先注册或登录');
    assertFail(await search(token, { keyword: '' }), 403, '您没有权限访问，请先注册或登录');
  });

  it('answers objects with exactly id, username, avatar, role, uuid, nickname', async () => {
    const caller = await register('caller01');
    const [ row ] = await insertUsers([{ username: 'friend01', nickname: '小明', role: 'admin' }]);
    const [ found ] = assertOk(await search(caller.token, { keyword: 'friend' }));
    assert.deepEqual(Object.keys(found), SEARCH_RESULT_KEYS);
    assert.deepEqual(found, {
      id: row.id, username: 'friend01', avatar: row.avatar, role: 'admin', uuid: row.uuid, nickname: '小明',
    });
  });

  it('matches a substring of the username, case-insensitively, from form and JSON bodies alike', async () => {
    const token = await callerAnd([ 'xxABCxx', 'AbcDef', 'abXc', 'zzzz' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'abc' }), [ 'AbcDef', 'xxABCxx' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'aBC' }), [ 'AbcDef', 'xxABCxx' ]);
    const json = assertOk(await searchJson(token, { keyword: 'abc' }));
    assert.deepEqual(json.map((user: { username: string }) => user.username), [ 'AbcDef', 'xxABCxx' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'nothing' }), []);
  });

  it('does not match nicknames (README: username only)', async () => {
    const caller = await register('caller01');
    await insertUsers([{ username: 'zzzz', nickname: 'abcdef' }]);
    assert.deepEqual(await namesFound(caller.token, { keyword: 'abc' }), []);
  });

  it('matches %, _ and \\ literally, never as wildcards', async () => {
    // Such names predate the username rule; only a direct insert can create them now.
    const token = await callerAnd([ 'ab%cd', 'abXcd', 'ab_cd', 'ab\\cd', 'abYYcd', 'a_bcd' ]);
    assert.deepEqual(await namesFound(token, { keyword: '%' }), [ 'ab%cd' ]);
    assert.deepEqual(await namesFound(token, { keyword: '_' }), [ 'ab_cd', 'a_bcd' ]);
    assert.deepEqual(await namesFound(token, { keyword: '\\' }), [ 'ab\\cd' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'b%c' }), [ 'ab%cd' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'b_c' }), [ 'ab_cd' ]);
    assert.deepEqual(await namesFound(token, { keyword: 'b\\c' }), [ 'ab\\cd' ]);
    assert.deepEqual(await namesFound(token, { keyword: '%%' }), []);
    assert.deepEqual(await namesFound(token, { keyword: '__' }), []);
    assert.deepEqual(await namesFound(token, { keyword: '\\%' }), []);
    assert.deepEqual(await namesFound(token, { keyword: 'a_b' }), [ 'a_bcd' ]);
  });

  it('cannot be made to change the query', async () => {
    const token = await callerAnd([ 'abcd', 'efgh' ]);
    for (const keyword of [ '\' OR \'1\'=\'1', '" OR "1"="1', 'abcd\' -- ', 'a\\\' OR 1=1 #', '%\' OR username LIKE \'%' ]) {
      assert.deepEqual(await namesFound(token, { keyword }), [], keyword);
    }
    for (const keyword of [ '😀', '用户', 'ǅ' ]) assert.deepEqual(await namesFound(token, { keyword }), [], keyword);
  });

  it('never lists the caller, disabled, deleted or visitor users', async () => {
    const caller = await register('finder01');
    await insertUsers([
      { username: 'find_ok' },
      { username: 'find_disabled', status: 0 },
      { username: 'find_deleted', is_deleted: 1 },
      { username: 'find_visitor', role: 'visitor' },
      { username: 'find_admin', role: 'admin' },
      { username: 'find_del_off', status: 0, is_deleted: 1 },
    ]);
    assert.deepEqual(await namesFound(caller.token, { keyword: 'find' }), [ 'find_ok', 'find_admin' ]);
    assert.deepEqual(await namesFound(caller.token, { keyword: 'finder01' }), []);
    assert.deepEqual(await namesFound(caller.token, { keyword: 'find_disabled' }), []);
  });

  it('orders exact match, then prefix, then the rest, ties by id', async () => {
    const token = await callerAnd([ 'xxabc', 'abcxx', 'zabc', 'ABC', 'abc_1', 'Abc2', 'qabcq' ]);
    const expected = [ 'ABC', 'abcxx', 'abc_1', 'Abc2', 'xxabc', 'zabc', 'qabcq' ];
    assert.deepEqual(await namesFound(token, { keyword: 'abc' }), expected);
    assert.deepEqual(await namesFound(token, { keyword: '  abc\t' }), expected, 'keyword is trimmed');
    assert.deepEqual(await namesFound(token, { keyword: 'abc', limit: '2' }), [ 'ABC', 'abcxx' ]);
  });

  describe('limit', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `user${String(i).padStart(3, '0')}`);

    it('answers at most 20 by default, the lowest ids first', async () => {
      const token = await callerAnd(many(25));
      assert.deepEqual(await namesFound(token, { keyword: 'user' }), many(20));
    });

    it('treats a JSON null limit as absent', async () => {
      const token = await callerAnd(many(25));
      assert.equal(assertOk(await searchJson(token, { keyword: 'user', limit: null })).length, 20);
    });

    it('takes 1 to 50, as a form string or a JSON integer', async () => {
      const token = await callerAnd(many(60));
      assert.equal((await namesFound(token, { keyword: 'user', limit: '50' })).length, 50);
      assert.deepEqual(await namesFound(token, { keyword: 'user', limit: '1' }), many(1));
      assert.deepEqual(await namesFound(token, { keyword: 'user', limit: '7' }), many(7));
      assert.equal(assertOk(await searchJson(token, { keyword: 'user', limit: 50 })).length, 50);
      assert.equal(assertOk(await searchJson(token, { keyword: 'user', limit: 3 })).length, 3);
      assert.equal(assertOk(await searchJson(token, { keyword: 'user', limit: '4' })).length, 4);
    });

    const invalid: BodyCase[] = [
      ...[ '0', '51', '100', '-1', 'abc', '1.5', '', ' 5', '1e1' ].map(limit => ({
        title: `form limit "${limit}"`, form: new URLSearchParams({ keyword: 'user', limit }).toString(), reason: LIMIT_RULE,
      })),
      { title: 'form limit[]=5', form: 'keyword=user&limit[]=5', reason: LIMIT_RULE },
      { title: 'form limit repeated', form: 'keyword=user&limit=5&limit=6', reason: LIMIT_RULE },
      ...[ 0, 51, 1.5, -1, 'abc', true, [ 5 ], { n: 5 }].map(limit => ({
        title: `JSON limit ${JSON.stringify(limit)}`, json: { keyword: 'user', limit }, reason: LIMIT_RULE,
      })),
    ];
    for (const body of invalid) {
      it(`422 for ${body.title}`, async () => {
        const { token } = await register('caller01');
        assertFail(await sendBody('/api/chat/searchUser', body, token), 422, body.reason);
      });
    }
  });

  describe('keyword', () => {
    it('is trimmed, then 1 to 50 characters', async () => {
      const token = await callerAnd([ 'k'.repeat(20) ]);
      assert.deepEqual(await namesFound(token, { keyword: 'k' }), [ 'k'.repeat(20) ]);
      assert.deepEqual(await namesFound(token, { keyword: ` ${'k'.repeat(20)} ` }), [ 'k'.repeat(20) ]);
      assert.deepEqual(await namesFound(token, { keyword: 'k'.repeat(50) }), []);
      assert.deepEqual(await namesFound(token, { keyword: `  ${'x'.repeat(50)}  ` }), []);
      assert.deepEqual(await namesFound(token, { keyword: '😀'.repeat(50) }), []);
    });

    const invalid: BodyCase[] = [
      { title: 'a missing keyword', form: '', reason: 'keyword 不能为空' },
      { title: 'a JSON null keyword', json: { keyword: null }, reason: 'keyword 不能为空' },
      { title: 'an empty keyword', form: 'keyword=', reason: KEYWORD_LENGTH },
      { title: 'a keyword of spaces only', form: 'keyword=%20%20%20', reason: KEYWORD_LENGTH },
      { title: 'a keyword of 51 characters', form: `keyword=${'k'.repeat(51)}`, reason: KEYWORD_LENGTH },
      { title: 'a keyword of 51 emoji', json: { keyword: '😀'.repeat(51) }, reason: KEYWORD_LENGTH },
      { title: 'a JSON number keyword', json: { keyword: 123 }, reason: 'keyword 必须是字符串' },
      { title: 'a JSON array keyword', json: { keyword: [ 'abc' ] }, reason: 'keyword 必须是字符串' },
      { title: 'a JSON object keyword', json: { keyword: { like: '%' } }, reason: 'keyword 必须是字符串' },
      { title: 'form keyword[]=...', form: 'keyword[]=abc', reason: 'keyword 必须是字符串' },
      { title: 'form keyword repeated', form: 'keyword=abc&keyword=def', reason: 'keyword 必须是字符串' },
    ];
    for (const body of invalid) {
      it(`422 for ${body.title}`, async () => {
        const { token } = await register('caller01');
        assertFail(await sendBody('/api/chat/searchUser', body, token), 422, body.reason);
      });
    }
  });

  it('accepts Authorization: Bearer', async () => {
    const token = await callerAnd([ 'friend01' ]);
    const res = await post('/api/chat/searchUser').set('Authorization', `Bearer ${token}`).send({ keyword: 'friend' });
    assert.deepEqual(assertOk(res).map((user: { username: string }) => user.username), [ 'friend01' ]);
  });

  describe('authentication', () => {
    for (const failure of AUTH_FAILURES) {
      it(`${failure.status} for ${failure.title}`, async () => {
        const user = await register('caller01');
        const headers = await failure.prepare(user);
        const res = await post('/api/chat/searchUser').set(headers).type('form').send({ keyword: 'caller' });
        assertFail(res, failure.status, failure.reason);
      });
    }
  });
});
