// docs/asyncapi.yaml against real frames of the running app: the document is valid AsyncAPI
// (@asyncapi/parser), and every frame the tests below receive matches the payload schema of
// the message it is documented as (Ajv; AsyncAPI 2 schemas are JSON Schema draft 7).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { app, mm } from 'egg-mock/bootstrap';
import { DISCONNECTS } from '../../app/lib/messaging/disconnects';
import { socketsKey } from '../../app/lib/messaging/keys';
import zhTexts from '../../config/locale/zh-CN.json';
import { login, logout, register } from '../helpers';
import { Client, befriend, call, connect, device, listen, sendText, sleep, user } from '../app/messaging/support';
import { joinGroup, makeGroup, revokeGroup, sendGroup } from '../app/groups/messageSupport';

const SPEC = path.join(__dirname, '../../docs/asyncapi.yaml');

describe('docs/asyncapi.yaml', () => {
  const server = listen();
  let spec: any;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const seen = new Set<string>();

  before(async () => {
    const text = readFileSync(SPEC, 'utf8');
    const { document, diagnostics } = await new Parser().parse(text);
    assert.deepEqual(diagnostics.filter(d => d.severity === 0).map(d => `${d.message} at ${d.path.join('.')}`), []);
    assert.ok(document);
    // The parsed document, $refs resolved.
    spec = document!.json();
  });

  /** A real frame matches the payload of the documented message `name`. */
  function conforms(name: string, frame: unknown) {
    const check = ajv.compile(spec.components.messages[name].payload);
    assert.ok(check(frame), `${name} frame does not match asyncapi.yaml: ${ajv.errorsText(check.errors)}\n${JSON.stringify(frame)}`);
    seen.add(name);
  }

  it('documents every close code and the frame texts', () => {
    const codes = Object.keys(spec.info['x-close-codes']).map(Number);
    // The server's own codes: sessions that are over, and answers to a client breaking the frame rules.
    const own = Object.values(DISCONNECTS).filter(d => d.code >= 4000 || d.code === DISCONNECTS.frameTooBig.code).map(d => d.code);
    for (const code of own) assert.ok(codes.includes(code), `close ${code} undocumented`);
    const text = readFileSync(SPEC, 'utf8');
    for (const t of Object.values(zhTexts.messaging.frame)) assert.ok(text.includes(t), t);
  });

  it('welcome, singleChat (message, notice, revoke), singleChatSync, ping, pong, fail and force_logout frames match', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 200);
    const a = await user('doc_ws_a');
    const b = await user('doc_ws_b');
    await befriend(a.id, b.id);
    const recipient = await connect(server.port, b.token);
    const otherDevice = await connect(server.port, await device(a));
    conforms('welcome', recipient.frames[0]);
    const message = await sendText(server.base, a.token, b.id, '你好');
    const revoked = await call(server.base, 'POST', '/api/chat/revokeMessage', a.token, { id: message.id, chatType: 'single', to_id: b.id });
    assert.equal(revoked.status, 200);
    await app.model.transaction(t => app.mockContext().service.messaging.chat.storeSystemNotice(t, {
      fromId: a.id, toId: b.id, data: { data: '我们已经是好友了，可以开始聊天了', dataType: false, otherData: null },
    }));
    const [ m, r, n ] = await recipient.received(3);
    conforms('singleChat', m);
    conforms('singleChatRevoke', r);
    conforms('singleChat', n);
    const syncs = await otherDevice.received(2, 'singleChatSync');
    syncs.forEach(frame => conforms('singleChatSync', frame));
    recipient.ws.send('ping');
    recipient.ws.send(JSON.stringify({ type: 'ping', token: b.token, timestamp: Date.now() }));
    conforms('clientTextPing', 'ping');
    conforms('clientPing', { type: 'ping', token: b.token, timestamp: 1 });
    for (const frame of await recipient.received(2, 'pong')) conforms('pong', frame);
    conforms('ping', (await recipient.received(1, 'ping'))[0]);
    await logout(b.token).expect(200);
    await recipient.closed;
    conforms('fail', recipient.frames.at(-1));
    otherDevice.close();

    const refused = new Client(`ws://127.0.0.1:${server.port}/ws`);
    await refused.closed;
    conforms('fail', refused.frames[0]);

    await register('doc_ws_c');
    const first = await login('doc_ws_c');
    const replaced = await connect(server.port, first.token);
    // Registered (after the welcome frame): a session revoked before that closes 4001 instead (SessionOverError).
    for (let i = 0; i < 200 && !await app.redis.zcard(socketsKey(first.id)); i++) await sleep(10);
    assert.equal(await app.redis.zcard(socketsKey(first.id)), 1, 'the socket registered');
    mm(app.config.im.session, 'policy', 'single');
    await login('doc_ws_c');
    assert.equal((await replaced.closed).code, 4004);
    conforms('forceLogout', replaced.frames.at(-1));
  });

  it('the friend notices of CONTRACT-client-behaviour §4 match (applyfriend, handleapply agree)', async () => {
    const a = await user('doc_ws_d');
    const b = await user('doc_ws_e');
    const target = await connect(server.port, b.token);
    const applicant = await connect(server.port, a.token);
    assert.equal((await call(server.base, 'POST', '/api/chat/applyfriend', a.token, { friend_id: b.id })).status, 200);
    conforms('friendApplyNotice', (await target.received(1))[0]);
    const application = await app.model.GoodfriendApply.findOne({ where: { user_id: a.id } });
    assert.equal((await call(server.base, 'POST', `/api/chat/handleapply/${application!.id}`, b.token, { status: 'agree' })).status, 200);
    conforms('nowFriendsNotice', (await target.received(2))[1]);
    conforms('nowFriendsNotice', (await applicant.received(1))[0]);
    target.close();
    applicant.close();
  });

  it('the group frames of CONTRACT-groups §B match (stored notices, a group message and its sync copy, a group revoke and its sync copy)', async () => {
    const owner = await user('doc_grp_o');
    const member = await user('doc_grp_m');
    const late = await user('doc_grp_l');
    const memberWs = await connect(server.port, member.token);
    const ownerOther = await connect(server.port, await device(owner));
    const group = await makeGroup(owner, [ member ], 'docs');
    await joinGroup(group.id, late);
    const sent = await sendGroup(server.base, owner.token, group.id, '大家好');
    assert.equal(sent.status, 200);
    assert.equal((await revokeGroup(server.base, owner.token, sent.body.data.id, group.id)).status, 200);
    const [ created, joined, message, revoke ] = await memberWs.received(4);
    conforms('groupNotice', created);
    conforms('groupNotice', joined);
    assert.equal(typeof joined.data.from_id, 'string');
    conforms('groupChat', message);
    conforms('groupChatRevoke', revoke);
    const syncs = await ownerOther.received(2, 'singleChatSync');
    syncs.forEach(frame => conforms('singleChatSync', frame));
    memberWs.close();
    ownerOther.close();
  });

  it('the unstored group notices match (pending to the owner; quit, removal and dismissal)', async () => {
    const owner = await user('doc_grp_p');
    const member = await user('doc_grp_q');
    const applicant = await user('doc_grp_r');
    const group = await makeGroup(owner, [ member ], 'docs');
    const ownerWs = await connect(server.port, owner.token);
    const memberWs = await connect(server.port, member.token);
    const post = (token: string, route: string, body: object) => call(server.base, 'POST', `/api/chat/${route}`, token, body);
    const unstored = async (client: Client, count: number) => {
      await client.until(() => client.of().filter(frame => !('seq' in frame.data)).length >= count, `${count} unstored notices`);
      return client.of().filter(frame => !('seq' in frame.data));
    };
    assert.equal((await post(owner.token, 'groupAddUserSet', { group_id: group.id, addGroupSet: 1 })).status, 200);
    assert.equal((await post(applicant.token, 'groupInviteUser', { group_id: group.id, user_id: applicant.id, addGroupDesc: '你好' })).status, 200);
    conforms('groupPendingNotice', (await unstored(ownerWs, 1))[0]);
    assert.equal((await post(owner.token, 'groupDeleteUser', { group_id: group.id, user_id: member.id })).status, 200);
    conforms('groupEventNotice', (await unstored(memberWs, 1))[0]);
    await joinGroup(group.id, member);
    assert.equal((await post(member.token, 'groupDeleteOrQuit', { id: group.id })).status, 200);
    conforms('groupEventNotice', (await unstored(ownerWs, 2))[1]);
    assert.equal((await post(owner.token, 'groupDeleteOrQuit', { id: group.id })).status, 200);
    conforms('groupEventNotice', (await unstored(ownerWs, 3))[2]);
    ownerWs.close();
    memberWs.close();
  });

  describe('coverage', () => it('every documented message was received and matched', () => {
    assert.deepEqual(Object.keys(spec.components.messages).filter(name => !seen.has(name)), []);
  }));
});
