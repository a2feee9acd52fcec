// CONTRACT-client-behaviour §4: the notices the course client shows for friend applications.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { assertOk } from '../../helpers';
import { call, connect, device, listen, sleep, user } from '../messaging/support';

const NOTICE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data',
  'redirect', 'options', 'create_time', 'isremove', 'msgidKey' ];
const MESSAGE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data',
  'options', 'create_time', 'isremove', 'sendUUid', 'seq' ];
const NOW_FRIENDS = { data: '我们已经是好友了，可以开始聊天了', dataType: false, otherData: null };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('friend notices (CONTRACT-client-behaviour §4)', () => {
  const server = listen();
  const post = (path: string, token: string, body: unknown) => call(server.base, 'POST', path, token, body);
  const applicationOf = async (from: number) => (await app.model.GoodfriendApply.findOne({ where: { user_id: from } }))!.id;

  it('applyfriend: the target gets the notice, exact keys in order, once per session, offline included, not in history', async () => {
    mm(app.config.im.friends, 'noticeAvatar', 'https://cdn.example.com/notice.png');
    const a = await user('applicant1', { username: 'applicant1', nickname: '小申' } as any);
    const b = await user('target001');
    const offline = await device(b); // a session of b without a socket when the notice comes
    const online = await connect(server.port, b.token);
    const before = Date.now();
    assertOk(await post('/api/chat/applyfriend', a.token, { friend_id: b.id, nickname: 'hi' }));
    const [ frame ] = await online.received(1);
    assert.deepEqual(Object.keys(frame.data), NOTICE_KEYS);
    const { id, create_time: created, ...rest } = frame.data;
    assert.match(id, UUID);
    assert.ok(created >= before && created <= Date.now());
    assert.deepEqual(rest, {
      from_avatar: 'https://cdn.example.com/notice.png', from_name: '好友申请提醒', from_id: `redirect-applyFriend-${a.id}`,
      to_id: b.id, to_name: 'target001', to_avatar: b.row.avatar, chatType: 'single', type: 'text',
      data: { data: '用户[小申]申请添加您为好友，请尽快处理', dataType: false, otherData: null },
      redirect: { url: '/pages/applyMyfriend/applyMyfriend', type: 'navigateTo' }, options: {}, isremove: 0,
      msgidKey: `redirect-applyFriend-${a.id}`,
    });
    // The session that was offline gets it on connect, once; nothing stored in history.
    const later = await connect(server.port, offline);
    const [ caught ] = await later.received(1);
    assert.equal(caught.data.id, id);
    await sleep(300);
    assert.deepEqual([ online.of().length, later.of().length ], [ 1, 1 ]);
    assert.equal(await app.model.Message.count(), 0);
    online.close();
    later.close();
  });

  it('handleapply agree: one stored systemNotice each way, through the messages write path (seq); refuse and ignore send nothing', async () => {
    const a = await user('applicant1');
    const b = await user('target001');
    const c = await user('applicant2');
    const d = await user('applicant3');
    for (const from of [ a, c, d ]) assertOk(await post('/api/chat/applyfriend', from.token, { friend_id: b.id }));
    const [ aSocket, bSocket, cSocket, dSocket ] = await Promise.all([ a, b, c, d ].map(u => connect(server.port, u.token)));
    await bSocket.received(3); // the three application notices
    assertOk(await post(`/api/chat/handleapply/${await applicationOf(c.id)}`, b.token, { status: 'refuse' }));
    assertOk(await post(`/api/chat/handleapply/${await applicationOf(d.id)}`, b.token, { status: 'ignore' }));
    assertOk(await post(`/api/chat/handleapply/${await applicationOf(a.id)}`, b.token, { status: 'agree' }));
    const [ toA ] = await aSocket.received(1);
    const [ toB ] = (await bSocket.received(4)).slice(3);
    for (const [ frame, from, to ] of [[ toA, b, a ], [ toB, a, b ]] as const) {
      assert.deepEqual(Object.keys(frame.data), MESSAGE_KEYS);
      assert.deepEqual([ frame.data.from_id, frame.data.to_id, frame.data.type, frame.data.data ], [ from.id, to.id, 'systemNotice', NOW_FRIENDS ]);
      assert.ok(Number.isInteger(frame.data.seq));
    }
    assert.equal(await app.model.Message.count(), 2);
    await sleep(300);
    assert.deepEqual([ cSocket.of().length, dSocket.of().length, bSocket.of().length ], [ 0, 0, 4 ]);
    for (const s of [ aSocket, bSocket, cSocket, dSocket ]) s.close();
  });
});
