import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertOk, login } from '../../helpers';
import { REG_CHAT, arrive, newDeviceId, withCredentials } from './support';

const chat = (token: string, method: 'get' | 'post', path: string, body?: Record<string, unknown>) => {
  const req = app.httpRequest()[method](`/api/chat/${path}`).set('token', token);
  return body ? req.send(body) : req;
};

// CONTRACT (visitors): the upgrade keeps id, uuid, friends, messages and uploads. Here the
// friendship and the messages are made as a new visitor would, through the routes.
describe('visitorregChat keeps what the visitor made through the routes', () => {
  it('a friendship (autoAddFriendAndAgree) and messages both ways are there after the upgrade', async () => {
    await app.httpRequest().post('/api/regChat').type('form').send({ username: 'open_friend', password: 'secret123' }).expect(200);
    const friend = await login('open_friend', 'secret123');
    assertOk(await chat(friend.token, 'post', 'updateUserinfo', { fieldname: 'invite_confirm', fieldValue: 0 }));

    const deviceId = newDeviceId();
    const visitor = await arrive(deviceId);
    assertOk(await chat(visitor.token, 'post', 'autoAddFriendAndAgree', { friend_id: friend.id }));
    const text = (data: string) => ({ chatType: 'single', type: 'text', data: { data, dataType: false, otherData: null }, options: '%7B%7D' });
    const sent = assertOk(await chat(visitor.token, 'post', 'socket/sendmessage', { sendto_id: friend.id, ...text('hello, as a visitor') }));
    assertOk(await chat(friend.token, 'post', 'socket/sendmessage', { sendto_id: visitor.id, ...text('hello, visitor') }));

    const user = await withCredentials(REG_CHAT, deviceId, 'Upgraded_1', 'new-password');
    assert.equal(user.id, visitor.id);
    assert.equal(user.role, 'user');

    // The friendship, seen from both sides with the new token.
    assert.equal(assertOk(await chat(user.token, 'post', `ismygoodfriend/${friend.id}`)).friend_id, friend.id);
    assert.equal(assertOk(await chat(friend.token, 'post', `ismygoodfriend/${user.id}`)).friend_id, user.id);

    // The conversation, newest first, the same from either side: the notices of the
    // friendship, then both texts.
    const content = (data: unknown) => (typeof data === 'string' ? JSON.parse(data) : data).data;
    const history = async (token: string, other: number) =>
      assertOk(await chat(token, 'get', `history/${other}?limit=20`)).map((m: any) => [ m.type, m.from_id, content(m.data) ]);
    const fromUser = await history(user.token, friend.id);
    assert.deepEqual(fromUser.slice(0, 2), [
      [ 'text', friend.id, 'hello, visitor' ],
      [ 'text', visitor.id, 'hello, as a visitor' ],
    ]);
    assert.equal(fromUser.length, 4);
    assert.deepEqual(fromUser.slice(2).map(([ type ]: string[]) => type), [ 'systemNotice', 'systemNotice' ]);
    assert.deepEqual(await history(friend.token, user.id), fromUser);
    assert.equal(sent.from_id, visitor.id);
  });
});
