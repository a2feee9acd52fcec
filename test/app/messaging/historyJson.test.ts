// History's lean path (docs/performance.md "history: messages kept serialized"): each page is read
// as ids and digests, the pages of one turn by one statement, and each message's JSON is kept per
// process under its id and digest. Every answer must equal, byte for byte, the answer built from
// the tables right then without any cache or batch: the plain page statement through Sequelize,
// messageObject, serialized as `ctx.ok` serializes. Revokes (by the API and by SQL), hand edits of
// rows, group and single chats, a visitor's, late joiners' and page boundaries included, read
// both ways (rows at once, and ids and digests).
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { keptMessageJson } from '../../../app/lib/messaging/messageJson';
import { MessageRow, messageObject } from '../../../app/lib/messaging/messageView';
import { execute, query } from '../groups/support';
import { joinGroup, makeGroup, revokeGroup, sendGroup, TestUser } from '../groups/messageSupport';
import { befriend, call, listen, sendText, user } from './support';

// Park-Miller: the same rounds on every run; SEED picks another sequence.
function prng(seed: number) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

const TEXTS = [ '你好', 'hello "quoted" \\ back', '😀 emoji', 'line\nbreak\u2028sep', '', 'Émile <b>&amp;</b>', '\u0000nul', 'x'.repeat(300) ];
// Stored options as a client may have sent them: not all canonical JSON (the answer re-serializes them).
const OPTIONS = [ null, '{}', '{"a":[1,2.50,"x"],"b":{"c":null}}', ' { "spaced" : true } ', '{"u":"\\u00e9\\u4e2d"}', '{"n":1e3}' ];
const TYPES = [ 'text', 'image', 'audio', 'video', 'emoticon', 'systemNotice' ];

const ok = (data: unknown) => JSON.stringify({ msg: 'ok', data });

/** The page built from the tables now: the statement history ran before, through Sequelize, and messageObject. */
async function expectedPage(conversationId: string | null, before: number, limit: number, after = 0): Promise<string> {
  if (conversationId === null) return ok([]);
  const rows = await query<MessageRow>('SELECT * FROM message WHERE conversation_id = :conversationId AND seq < :before AND seq > :after ' +
    'ORDER BY seq DESC LIMIT :limit', { conversationId, before, after, limit });
  return ok(rows.map(messageObject));
}

/** The pair's conversation id. */
async function conversationOf(x: number, y: number): Promise<string> {
  return (await query<{ id: string }>('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b', { a: Math.min(x, y), b: Math.max(x, y) }))[0].id;
}

describe('history: pages of kept message JSON, read per turn', () => {
  const server = listen();
  const raw = async (token: string, path: string) => {
    const res = await fetch(`${server.base}/api/chat/history/${path}`, { headers: { token } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('equals the answer built from the tables byte for byte over random pages, revokes and edits, single, group and visitor chats', async () => {
    const random = prng(Number(process.env.SEED ?? 19));
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const [ a, b, c ] = [ await user('jsonA001'), await user('jsonB001'), await user('jsonC001') ];
    const v = await user('VISjson01', { username: 'VISjson01', role: 'visitor' });
    await befriend(a.id, b.id);
    const group = await makeGroup(a, [ b ], 'json');

    // Messages through the API (the real send path), then rows of every kind stored directly.
    for (let i = 0; i < 6; i++) {
      await sendText(server.base, i % 2 ? a.token : b.token, i % 2 ? b.id : a.id, pick(TEXTS), { options: encodeURIComponent(pick(OPTIONS) ?? '{}') });
      assert.equal((await sendGroup(server.base, i % 2 ? a.token : b.token, group.id, pick(TEXTS))).status, 200);
    }
    await sendText(server.base, v.token, b.id, 'a visitor says hi');
    const late = await joinGroup(group.id, c);
    const store = app.repos.messages;
    const singleId = await conversationOf(a.id, b.id);
    const groupId = (await query<{ id: string }>('SELECT id FROM conversation WHERE group_id = :id', { id: group.id }))[0].id;
    const visitorId = await conversationOf(v.id, b.id);
    const group_json = (await query<{ group_json: string }>('SELECT group_json FROM message WHERE conversation_id = :groupId AND group_json IS NOT NULL LIMIT 1', { groupId }))[0].group_json;
    for (let i = 0; i < 120; i++) {
      const inGroup = random() < 0.4;
      const [ from, to ] = random() < 0.5 ? [ a, b ] : [ b, a ];
      const type = pick(TYPES);
      await app.model.transaction(async transaction => {
        const conversation = inGroup ? (await store.lockGroupConversation(group.id, transaction))! : (await store.lockConversation(a.id, b.id, transaction))!;
        await store.saveMessage(conversation, {
          from_id: from.id, to_id: inGroup ? group.id : to.id, chat_type: inGroup ? 2 : 1, type,
          data: type === 'systemNotice' ? JSON.stringify({ data: pick(TEXTS), dataType: false, otherData: null }) : JSON.stringify(pick(TEXTS)),
          options: pick(OPTIONS), from_name: pick([ from.username, '张三', '' ]), from_avatar: pick([ '', 'https://a.example/x.png' ]),
          to_name: pick([ to.username, '李四' ]), to_avatar: '', send_uuid: pick([ 'u-1', '' ]), group_json: inGroup ? pick([ group_json, null ]) : null,
          from_ref: inGroup && random() < 0.1 ? `redirect-applyAddGroup${group.id}-${from.id}-1` : null,
          create_time: new Date(Date.now() - Math.floor(random() * 60000)), // within the revoke window
        }, transaction);
      });
    }
    const lastSeq = async (conversationId: string | null) => (conversationId === null ? 0 : (await query<{ last_seq: number }>('SELECT last_seq FROM conversation WHERE id = :conversationId', { conversationId }))[0].last_seq);

    // Who reads what: [reader, path, conversation, join_seq].
    const readers: Array<[ TestUser, string, string | null, number ]> = [
      [ a, String(b.id), singleId, 0 ], [ b, String(a.id), singleId, 0 ], [ b, `${group.id}?chatType=group`, groupId, 0 ],
      [ c, `${group.id}?chatType=group`, groupId, late.joinSeq ], [ v, String(b.id), visitorId, 0 ], [ b, String(v.id), visitorId, 0 ],
      [ c, String(a.id), null, 0 ], // no conversation
    ];
    let built = 0;
    const read = store.listDigestedMessages.bind(store);
    mock(store, 'listDigestedMessages', (ids: string[]) => {
      built += ids.length;
      return read(ids);
    });
    // Both ways of reading a page: rows at once (a conversation mostly not kept), ids and digests.
    const ways = { rows: 0, keys: 0 };
    for (const way of [ 'rows', 'keys' ] as const) {
      const method = way === 'rows' ? 'listHistoryRows' : 'listHistoryKeys';
      const original = store[method].bind(store) as (...args: any[]) => Promise<unknown>;
      mock(store, method, (...args: any[]) => {
        ways[way]++;
        return original(...args);
      });
    }

    const change = async (step: number) => {
      // Changes: revokes through the API (single and group), a revoke and a hand edit by SQL.
      const recent = await query<{ id: string; from_id: number; chat_type: number; to_id: number; isremove: number }>(
        'SELECT id, from_id, chat_type, to_id, isremove FROM message WHERE conversation_id IN (:ids) AND type <> \'systemNotice\' AND isremove = 0 ' +
          'AND from_id IN (:senders) ORDER BY RAND(:seed) LIMIT 3', { ids: [ singleId, groupId ], senders: [ a.id, b.id ], seed: step });
      for (const row of recent.slice(0, 2)) {
        const token = row.from_id === a.id ? a.token : b.token;
        const res = row.chat_type === 2 ? await revokeGroup(server.base, token, String(row.id), group.id) :
          await call(server.base, 'POST', '/api/chat/revokeMessage', token, { id: String(row.id), chatType: 'single', to_id: row.to_id });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      if (recent[2]) await execute('UPDATE message SET isremove = 1, data = :data, options = NULL WHERE id = :id', { id: recent[2].id, data: '"by hand"' });
      await execute('UPDATE message SET from_name = :name WHERE conversation_id = :singleId ORDER BY RAND(:seed) LIMIT 2', { name: pick(TEXTS).slice(0, 40), singleId, seed: step });
      // Every message of a conversation changed by SQL: its next page is mostly not kept, and the one after is read as rows.
      await execute('UPDATE message SET from_avatar = :avatar WHERE conversation_id = :id', { avatar: `https://a.example/${step}.png`, id: pick([ singleId, groupId ]) });
    };

    for (let round = 0; round < 8; round++) {
      // Random pages: the default (newest), before at and around the ends, limits 1-100; some asked for in one turn together.
      const pages = await Promise.all(Array.from({ length: 12 }, async () => {
        const [ reader, path, conversationId, after ] = pick(readers);
        const last = await lastSeq(conversationId);
        const before = random() < 0.2 ? undefined : Math.max(1, pick([ 1, 2, after, after + 1, last, last + 1, 1 + Math.floor(random() * (last + 1)) ]));
        const limit = random() < 0.2 ? undefined : pick([ 1, 2, 50, 100, 1 + Math.floor(random() * 100) ]);
        const query = [ before === undefined ? '' : `before=${before}`, limit === undefined ? '' : `limit=${limit}` ].filter(Boolean).join('&');
        return { reader, conversationId, after, before, limit, path: query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path };
      }));
      // Each page read, the tables changed, each page read again, changed again: a conversation
      // mostly changed is read as ids and digests first, then as rows, with changes to build both times.
      for (let twice = 0; twice < 2; twice++) {
        const answers = await Promise.all(pages.map(page => raw(page.reader.token, page.path)));
        for (const [ i, page ] of pages.entries()) {
          const expected = await expectedPage(page.conversationId, page.before ?? 4294967296, page.limit ?? 30, page.after);
          assert.deepEqual(answers[i], { status: 200, type: 'application/json; charset=utf-8', text: expected }, `round ${round}.${twice}, ${page.path}`);
        }
        await change(round * 2 + twice);
      }
    }
    assert.ok(built > 0 && ways.rows > 0 && ways.keys > 0, `both ways, and messages not kept read by id: ${JSON.stringify({ built, ...ways })}`);
    const page = `${b.id}?limit=100`;
    const first = await raw(a.token, page);
    const builds = built;
    assert.equal((await raw(a.token, page)).text, first.text);
    assert.equal(built, builds, 'a page read again is not built again');
    mock.restore();
    const keys = await store.listHistoryKeys({ pair: [ a.id, b.id ] }, 4294967296, 100);
    assert.ok(keys.length > 50 && keys.every(key => keptMessageJson(key.id, key.digest)), 'every message of a page read is kept');
  });

  it('a revoke is on the next answer of a page already read', async () => {
    const a = await user('jsonA002');
    const b = await user('jsonB002');
    await befriend(a.id, b.id);
    const kept = await sendText(server.base, a.token, b.id, 'keep');
    const erased = await sendText(server.base, a.token, b.id, 'erase');
    const conversationId = await conversationOf(a.id, b.id);
    assert.equal((await raw(b.token, String(a.id))).text, ok([ erased, kept ]));
    assert.equal((await raw(b.token, String(a.id))).text, ok([ erased, kept ]));
    assert.equal((await call(server.base, 'POST', '/api/chat/revokeMessage', a.token, { id: erased.id, chatType: 'single', to_id: b.id })).status, 200);
    const after = (await raw(b.token, String(a.id))).text;
    assert.equal(after, await expectedPage(conversationId, 4294967296, 30));
    assert.equal(JSON.parse(after).data[0].isremove, 1);
    assert.equal(JSON.parse(after).data[0].data, '{"data":"jsonA002撤回了一条消息","dataType":false,"otherData":null}');
  });
});
